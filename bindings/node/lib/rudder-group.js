'use strict'
// rudder-group: RudderStack group calls for Node, over a native core and delivery client.

const native = require('../index.js')
const { ERROR_CODES, RudderGroupError } = require('./errors.js')
const { GroupEvent, validate } = require('./event.js')
const { Client } = require('./client.js')

module.exports = {
  Client,
  GroupEvent,
  validate,
  RudderGroupError,
  ERROR_CODES,
  VERSION: native.VERSION
}
