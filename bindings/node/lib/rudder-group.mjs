// The ESM entry point: the same module instance as the CommonJS one (one set of exit hooks).
import cjs from './rudder-group.js'

export const { Client, GroupEvent, validate, RudderGroupError, ERROR_CODES, VERSION } = cjs
export default cjs
