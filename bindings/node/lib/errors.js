'use strict'
// The one error class of the package, and options shaped for the native settings table.

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
    this.issues = details?.issues || []
    if (details) {
      for (const key of ['setting', 'pending', 'failed', 'dropped', 'kept']) {
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
  return new RudderGroupError('INVALID_CONFIG', `invalid setting \`${setting}\`: ${message}`, { setting })
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

/** Milliseconds for a call argument (a timeout): a finite number >= 0, or INVALID_CONFIG. */
function millis (setting, value) {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw configError(setting, `must be a number of milliseconds >= 0, got ${describe(value)}`)
  }
  return value
}

/**
 * Options as the native settings table reads them: a list of { name, <type>: value }, with
 * nested objects (`retry: { maxAttempts }`) flattened to dotted names (`retry.maxAttempts`).
 * Names, defaults, units and ranges are checked natively, once for every binding.
 */
function settingList (options, name, nested = []) {
  const out = []
  for (const [key, value] of Object.entries(optionsObject(options, name))) {
    if (value === undefined) continue
    if (nested.includes(key)) {
      for (const entry of settingList(value, key)) out.push({ ...entry, name: `${key}.${entry.name}` })
      continue
    }
    out.push(tagged(key, value))
  }
  return out
}

function tagged (name, value) {
  switch (typeof value) {
    case 'boolean': return { name, bool: value }
    case 'number': return { name, number: value }
    case 'string': return { name, text: value }
    default: return { name, other: describe(value) }
  }
}

/** The validation settings of an event: { validation, maxEventBytes }. */
function eventOptions (options) {
  return settingList(options, 'options')
}

module.exports = {
  ERROR_CODES,
  RudderGroupError,
  fromInfo,
  configError,
  optionsObject,
  describe,
  millis,
  settingList,
  eventOptions
}
