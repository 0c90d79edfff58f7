'use strict'
// Client: validate and enqueue on the caller's thread; flush and close off it, as Promises.

const native = require('../index.js')
const exit = require('./exit.js')
const { GroupEvent } = require('./event.js')
const {
  fromInfo, configError, optionsObject, describe, millis, settingList
} = require('./errors.js')

/**
 * The options for the native settings table, and the JS-only ones: onOutcome (a function).
 * Every name, default and range is the table's (see the typings for the list).
 */
function clientConfig (options) {
  if (options === undefined || options === null) throw configError('options', 'are required: new Client({ writeKey, dataPlaneUrl })')
  const { onOutcome, ...settings } = optionsObject(options, 'options')
  if (onOutcome !== undefined && typeof onOutcome !== 'function') {
    throw configError('onOutcome', `must be a function, got ${describe(onOutcome)}`)
  }
  return { settings: settingList(settings, 'options', ['retry']), onOutcome }
}

/** The caller's onOutcome, made safe: what it throws (or rejects with) becomes a warning. */
function guarded (onOutcome) {
  const report = (err) => {
    const warning = new Error(`the onOutcome callback threw: ${err instanceof Error ? err.message : String(err)}`)
    warning.name = 'RudderGroupWarning'
    warning.cause = err
    process.emitWarning(warning)
  }
  return (outcome) => {
    try {
      const r = onOutcome(outcome)
      if (r !== null && typeof r === 'object' && typeof r.then === 'function') r.then(undefined, report)
    } catch (err) {
      report(err)
    }
  }
}

function timeoutOf (options) {
  const { timeout } = optionsObject(options, 'options')
  return timeout === undefined ? undefined : millis('timeout', timeout)
}

function settle (result) {
  if ('code' in result) throw fromInfo(result)
  return result
}

/** Sends group calls to a data plane: validated and queued at once, delivered by a native worker. */
class Client {
  #native
  #entry

  constructor (options) {
    const { settings, onOutcome } = clientConfig(options)
    const result = native.createClient(settings, onOutcome && guarded(onOutcome))
    if (!(result instanceof native.NativeClient)) throw fromInfo(result)
    this.#native = result
    this.#entry = exit.track(this, result, result.shutdownTimeout)
  }

  /** Validates and enqueues a group call; returns its messageId. Throws RudderGroupError. */
  group (params) {
    const r = this.#native.group(params)
    if (typeof r === 'string') return r
    throw fromInfo(r)
  }

  /** Enqueues an event made by GroupEvent.build or GroupEvent.fromJSON; returns its messageId. */
  enqueue (event) {
    if (!(event instanceof GroupEvent)) {
      throw new TypeError('enqueue takes a GroupEvent (GroupEvent.build(params) or GroupEvent.fromJSON(text))')
    }
    const r = this.#native.enqueue(GroupEvent.handle(event))
    if (typeof r === 'string') return r
    throw fromInfo(r)
  }

  /** Resolves when every event enqueued before it has an outcome: { delivered, failed, dropped }. */
  async flush (options) {
    return settle(await this.#native.flush(timeoutOf(options)))
  }

  /** Flushes, then stops the worker; later calls to group() fail with CLIENT_CLOSED. */
  async close (options) {
    const timeout = timeoutOf(options)
    exit.untrack(this.#entry)
    return settle(await this.#native.close(timeout))
  }

  /** Counters since the client started. */
  get stats () {
    return this.#native.stats
  }

  /** Whether close() was called. */
  get closed () {
    return this.#native.closed
  }

  /** transport: 'memory' only: every event "sent" so far, as the data plane would receive it. */
  sentEvents () {
    return this.#native.sentEvents().map((text) => JSON.parse(text))
  }
}

module.exports = { Client }
