'use strict'
// rudder-group/compat: a drop-in for @rudderstack/rudder-sdk-node 3.x, for group calls.
//
// `const Analytics = require('rudder-group/compat')` where code had
// `require('@rudderstack/rudder-sdk-node')`: the constructor's options, `group(message, callback)`
// returning `this` and `flush(callback)` returning a Promise keep the peer's names. Underneath is
// the package's Client (validation by the core, lanes, retries, delivery at exit). The choices,
// each listed in docs/migrating.md:
// - Where the peer threw (no message object, no userId and no anonymousId, no groupId, an id
//   that is not a string or a number, context or integrations not an object, a timestamp that
//   is not a Date), group() throws the core's RudderGroupError. Where the peer sent what the
//   core refuses (NaN, a negative employees, traits that are not an object, an event over 32 KB),
//   nothing is thrown: the error is logged, goes to errorHandler and to the callback.
// - Non-integer number ids become their String, as the peer sends them; integers go to the core,
//   which writes their digits. A `timestamp` is sent as the event's `timestamp`, unchanged, as
//   the peer sends it (the core checks it as a parsed payload's); `originalTimestamp` is the
//   caller's, else the time of the call.
// - Defaults are the package's unless the peer's option is given (lib/compat-options.js maps
//   them; retryCount becomes a retry budget that covers the peer's retry window). There is no
//   default data plane: dataPlaneUrl (or host) is required.
// - validation ('strict', else 'lenient': what breaks only the reserved-trait rules is sent, with
//   a warning line) is the Client's setting.
// - logLevel is the Client's logging on the console, in the peer's format: 'debug' shows each
//   request, retry and outcome; failed, dropped and refused events are error lines.
// - The options the package does not honour (path, axiosConfig, axiosInstance, axiosRetryConfig)
//   and message keys it does not send are warned about once per process.

const { Client, guarded, outcomeError } = require('./client.js')
const { GroupEvent, validate } = require('./event.js')
const { RudderGroupError, configError, describe, optionsObject } = require('./errors.js')
const { clientOptions, consoleLogger, clientLogger } = require('./compat-options.js')
const { TIMESTAMP_KEPT } = require('./encode.js')

// Message keys a group call sends; `type` and `channel` are the package's own.
const SENT = new Set(['userId', 'anonymousId', 'groupId', 'traits', 'context', 'integrations', 'timestamp',
  'originalTimestamp', 'messageId', 'type', 'channel'])
const warned = new Set()

function warnOnce (key, text) {
  if (warned.has(key)) return
  warned.add(key)
  process.emitWarning(text, { type: 'RudderGroupWarning', code: 'RUDDER_GROUP_COMPAT' })
}

/** `component-type`'s names, which the peer's checks use. */
function kind (value) {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'array'
  if (value instanceof Date) return 'date'
  if (value instanceof Error) return 'error'
  return typeof value
}

/** Whether the peer threw for this message (its argument checks, not validation). */
function peerThrows (m) {
  if (kind(m) !== 'object') return true
  const isId = (v) => !v || ['string', 'number'].includes(kind(v))
  const is = (v, k) => !v || kind(v) === k
  return !(m.anonymousId || m.userId) || !m.groupId ||
    !isId(m.anonymousId) || !isId(m.userId) || !isId(m.groupId) ||
    !is(m.context, 'object') || !is(m.integrations, 'object') || !is(m.timestamp, 'date') || !is(m.type, 'string')
}

/** A non-integer number id as the peer sends it (its String); anything else as it is. */
function id (value) {
  return typeof value === 'number' && Number.isFinite(value) && !Number.isInteger(value) ? String(value) : value
}

/** The package's group params for a peer message. */
function paramsOf (m) {
  if (kind(m) !== 'object') return m
  const keys = Object.keys(m)
  for (let i = 0; i < keys.length; i++) {
    if (!SENT.has(keys[i])) warnOnce(`key:${keys[i]}`, `rudder-group/compat: the message key \`${keys[i]}\` is not sent by group calls`)
  }
  // The event's own `timestamp`, as the peer sends it (see TIMESTAMP_KEPT). An undefined value is
  // left out by the walk, and null is "not given" for every field but that timestamp: the object
  // keeps one shape, and no key is deleted (which would make it slower to read).
  const timestamp = m.timestamp
  return {
    __proto__: TIMESTAMP_KEPT,
    groupId: id(m.groupId),
    userId: id(m.userId),
    anonymousId: id(m.anonymousId),
    traits: m.traits,
    context: m.context,
    integrations: m.integrations,
    timestamp: timestamp === null ? undefined : timestamp,
    originalTimestamp: m.originalTimestamp,
    messageId: id(m.messageId)
  }
}

/**
 * What the outcome handler needs, apart from the Analytics object (so that the native side's
 * function holds no reference to it).
 */
function reporter (logger, errorHandler) {
  const handler = typeof errorHandler === 'function' ? guarded(errorHandler, 'errorHandler') : undefined
  return {
    logger,
    handler,
    /** An event refused without throwing: logged at error, as the peer logs a failure. */
    refused (err) {
      logger.error(err.message)
      if (handler) handler(err)
    }
  }
}

/** @rudderstack/rudder-sdk-node's Analytics, for group calls, over rudder-group's Client. */
class Analytics {
  #client
  #report
  /** The events' options when `validation` is not the default ({ validation }), else undefined. */
  #eventOptions

  constructor (writeKey, options) {
    if (typeof writeKey !== 'string' || writeKey === '') {
      throw configError('writeKey', `must be your source's write key, got ${describe(writeKey)}`)
    }
    const o = optionsObject(options, 'options')
    if (o.errorHandler !== undefined && typeof o.errorHandler !== 'function') {
      throw configError('errorHandler', `must be a function, got ${describe(o.errorHandler)}`)
    }
    const lines = consoleLogger(o.logLevel, warnOnce)
    const report = reporter(lines, o.errorHandler)
    const clientOpts = clientOptions(writeKey, o, warnOnce)
    this.writeKey = writeKey
    this.host = clientOpts.dataPlaneUrl
    Object.defineProperty(this, 'enable', { value: typeof o.enable === 'boolean' ? o.enable : true, enumerable: true })
    Object.defineProperty(this, 'writeKey', { enumerable: false })
    this.#report = report
    if (o.validation !== undefined) {
      // Checked by the settings table, as the Client checks it (none is made when disabled).
      validate({}, { validation: o.validation })
      if (o.validation !== 'strict') this.#eventOptions = { validation: o.validation }
    }
    this.#client = this.enable
      ? new Client({
        ...clientOpts,
        // Failed and dropped events are logged by the Client's logger (at error).
        logger: clientLogger(lines),
        // Only an errorHandler reads outcomes here: without one, the Client is spared making the
        // messageIds of every batch into JS strings.
        onOutcome: report.handler && ((outcome) => {
          if (outcome.kind !== 'delivered') report.handler(outcomeError(outcome))
        })
      })
      : null
  }

  /**
   * Validates and enqueues a group call; returns `this`. Throws RudderGroupError where the peer
   * threw; otherwise a refused event is logged and reported to errorHandler and the callback.
   * `callback(err, outcome)` is called once the event has its outcome (`err` undefined when it
   * was delivered).
   */
  group (message, callback) {
    if (callback !== undefined && typeof callback !== 'function') {
      throw configError('callback', `must be a function, got ${describe(callback)}`)
    }
    const params = paramsOf(message)
    const done = callback && guarded(callback, 'group')
    try {
      if (this.#client === null) {
        this.#warnings(GroupEvent.build(params, this.#eventOptions))
        if (done) setImmediate(done)
        return this
      }
      const then = done && ((err, outcome) => done(err || undefined, outcome))
      let messageId
      if (this.#eventOptions === undefined) {
        messageId = this.#client.group(params, then)
      } else {
        // Built apart, so that what 'lenient' let through can be told.
        const event = GroupEvent.build(params, this.#eventOptions)
        messageId = this.#client.enqueue(event, then)
        this.#warnings(event)
      }
      if (this.#report.logger.debugShown) this.#report.logger.debug(`queued group call ${messageId}`)
    } catch (err) {
      if (!(err instanceof RudderGroupError) || peerThrows(message)) throw err
      // An event a full queue dropped reaches errorHandler through its dropped outcome.
      if (err.code !== 'QUEUE_FULL') this.#report.refused(err)
      if (done) setImmediate(done, err)
    }
    return this
  }

  /** validation 'lenient': a warning line naming each reserved-trait problem let through. */
  #warnings (event) {
    if (event.warnings.length === 0) return
    const problems = event.warnings.map((w) => `${w.code} at ${w.path}: ${w.message}`).join('; ')
    this.#report.logger.warn(`group call ${event.messageId} accepted with validation 'lenient' despite: ${problems}`)
  }

  /**
   * Resolves with { delivered, failed, dropped } once every event queued before it has an
   * outcome. Without an errorHandler, failures since the previous flush reject it with
   * DELIVERY_FAILED; given a callback, it gets `(err, result)` and the Promise never rejects.
   * An argument that is not a function is ignored: the peer ignores null, 0 or false there, and
   * a flush called without await must not turn it into a rejection nobody handles.
   */
  async flush (callback) {
    const done = typeof callback === 'function' ? guarded(callback, 'flush') : undefined
    await null // the callback is never called before flush() returns
    let result
    let error
    if (this.#client === null) {
      result = { delivered: 0, failed: 0, dropped: 0 }
    } else {
      try {
        result = await this.#client.flush()
        if ((result.failed > 0 || result.dropped > 0) && !this.#report.handler) {
          error = new RudderGroupError('DELIVERY_FAILED',
            `${result.failed} failed and ${result.dropped} dropped since the previous flush`, result)
        }
      } catch (err) {
        error = err
      }
    }
    if (done) {
      done(error, error ? undefined : result)
      return error ? undefined : result
    }
    if (error) throw error
    return result
  }
}

module.exports = Analytics
