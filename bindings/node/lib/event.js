'use strict'
// GroupEvent and validate(): events built, parsed and checked by the core.

const native = require('../index.js')
const { fromInfo, eventOptions } = require('./errors.js')
const { encode, boundOf } = require('./encode.js')

const CONSTRUCT = Symbol('GroupEvent.construct')

/** One validated group call. Made by GroupEvent.build() or GroupEvent.fromJSON(). */
class GroupEvent {
  #native
  #json

  constructor (token, handle) {
    if (token !== CONSTRUCT) {
      throw new TypeError('GroupEvent is made by GroupEvent.build(params) or GroupEvent.fromJSON(text)')
    }
    this.#native = handle
  }

  /** Builds and validates an event from a call's arguments; throws RudderGroupError. */
  static build (params, options) {
    const opts = eventOptions(options)
    return wrap(native.buildEvent(encode(params, boundOf(options), true), opts))
  }

  /** Parses and validates JSON text as the data plane receives it; throws RudderGroupError. */
  static fromJSON (text, options) {
    return wrap(native.parseEvent(text, eventOptions(options)))
  }

  /** The event's id; it stays the same across retries. */
  get messageId () {
    return this.#native.messageId
  }

  /** Reserved-trait problems let through by validation: 'lenient'. */
  get warnings () {
    return this.#native.warnings
  }

  /** Canonical JSON: the same bytes as the core writes. */
  toString () {
    if (this.#json === undefined) this.#json = this.#native.toJson()
    return this.#json
  }

  /** The event as a plain object (integers beyond 2^53 become the nearest JS number). */
  toJSON () {
    return JSON.parse(this.toString())
  }

  /** The native event, for Client.enqueue. */
  static handle (event) {
    return event.#native
  }
}

function wrap (result) {
  if (result instanceof native.NativeEvent) return new GroupEvent(CONSTRUCT, result)
  throw fromInfo(result)
}

/**
 * Every problem of a payload (an object or JSON text, as the data plane receives it), errors
 * first, then warnings; an empty array when it is valid.
 */
function validate (payload, options) {
  const opts = eventOptions(options)
  const result = typeof payload === 'string'
    ? native.validateJson(payload, opts)
    : native.validatePayload(encode(payload, boundOf(options), false), opts)
  if (!Array.isArray(result)) throw fromInfo(result)
  return result
}

module.exports = { GroupEvent, validate }
