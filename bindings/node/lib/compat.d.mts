// The ESM typings of rudder-group/compat: the class as the default export.
import Analytics = require('./compat.js')

export default Analytics
