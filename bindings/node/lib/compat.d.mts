// The ESM typings of rudder-group/compat: the class as the default export, and the peer's type
// names as named exports, as an ES module imports them from @rudderstack/rudder-sdk-node.
import Analytics = require('./compat.js')

export default Analytics
export type apiObject = Analytics.apiObject
export type integrationOptions = Analytics.integrationOptions
export type constructorOptions = Analytics.constructorOptions
export type GroupParams = Analytics.GroupParams
export type apiCallback = Analytics.apiCallback
export type FlushCallback = Analytics.FlushCallback
