// The ESM typings of rudder-group/testing: the same as the CommonJS ones, plus the default export.
export * from './testing.js'
import * as testing from './testing.js'
export default testing
