'use strict'
// The one error class of the package, and the setting checks that raise INVALID_CONFIG.

const native = require('../index.js')

/** Every error code, in number order. */
const ERROR_CODES = Object.freeze(native.errorCodes())

/**
 * Every failure the package reports. `code` is one of ERROR_CODES; a refused event lists every
 * problem in `issues`, and `code` is the code of the first one.
 */
class RudderGroupError extends Error {
  constructor (code, message, details) {
    super(message)
    this.name = 'RudderGroupError'
    this.code = code
    this.issues = (details && details.issues) || []
    if (details) {
      for (const key of ['setting', 'pending', 'failed', 'dropped']) {
        if (details[key] !== undefined && details[key] !== null) this[key] = details[key]
      }
    }
  }
}

/** The error for an ErrorInfo returned by the native layer. */
function fromInfo (info) {
  return new RudderGroupError(info.code, info.message, info)
}

/** INVALID_CONFIG naming the setting. */
function configError (setting, message) {
  return new RudderGroupError('INVALID_CONFIG', `${setting}: ${message}`, { setting })
}

/** The options object itself: undefined, null or a plain object. */
function optionsObject (options, name) {
  if (options === undefined || options === null) return {}
  if (typeof options !== 'object' || Array.isArray(options)) {
    throw configError(name, `must be an object, got ${describe(options)}`)
  }
  return options
}

function describe (value) {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  return typeof value === 'object' ? 'an object' : `${typeof value} ${String(value)}`
}

/** A whole number in [min, max], or INVALID_CONFIG. */
function integer (setting, value, min, max) {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw configError(setting, `must be a whole number from ${min} to ${max}, got ${describe(value)}`)
  }
  return value
}

/** Milliseconds: a finite number >= 0, or INVALID_CONFIG. */
function millis (setting, value) {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw configError(setting, `must be a number of milliseconds >= 0, got ${describe(value)}`)
  }
  return value
}

/** One of the given strings, or INVALID_CONFIG. */
function oneOf (setting, value, allowed) {
  if (!allowed.includes(value)) {
    throw configError(setting, `must be ${allowed.map((a) => `'${a}'`).join(' or ')}, got ${describe(value)}`)
  }
  return value
}

/** The validation settings of an event: { validation, maxEventBytes }. */
function eventOptions (options, name = 'options') {
  const out = {}
  for (const [key, value] of Object.entries(optionsObject(options, name))) {
    if (value === undefined) continue
    switch (key) {
      case 'validation':
        out.lenient = oneOf('validation', value, ['strict', 'lenient']) === 'lenient'
        break
      case 'maxEventBytes':
        out.maxEventBytes = integer('maxEventBytes', value, 1, 0xffffffff)
        break
      default:
        throw configError(key, 'is not a setting of an event (validation, maxEventBytes)')
    }
  }
  return out
}

module.exports = {
  ERROR_CODES,
  RudderGroupError,
  fromInfo,
  configError,
  optionsObject,
  describe,
  integer,
  millis,
  oneOf,
  eventOptions
}
