// The ESM typings: the same as the CommonJS ones, plus the default export.
export * from './rudder-group.js'
import * as rudderGroup from './rudder-group.js'
export default rudderGroup
