// The ESM entry point of rudder-group/compat: the same class as the CommonJS one.
import Analytics from './compat.js'

export default Analytics
