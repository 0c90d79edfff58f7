// The ESM entry point of rudder-group/testing: the same classes as the CommonJS one (one set of
// running data planes, killed at exit).
import cjs from './testing.js'

export const { LocalDataPlane, LocalDataPlaneError } = cjs
export default cjs
