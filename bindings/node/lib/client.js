'use strict'
// Client: validate and enqueue on the caller's thread; flush and close off it, as Promises.

const native = require('../index.js')
const exit = require('./exit.js')
const { GroupEvent } = require('./event.js')
const {
  RudderGroupError, fromInfo, configError, optionsObject, describe, millis, settingList
} = require('./errors.js')
const { loggerFrom, describeOutcome, describeResult, logRecord } = require('./log.js')
const { encode } = require('./encode.js')

/**
 * Options of @rudderstack/rudder-sdk-node that a Client given them by habit does not take, with
 * what does instead: the settings table's nearest name ("did you mean `gzipLevel`?") would
 * mislead.
 */
const PEER_OPTIONS = {
  logLevel: 'is not a Client option: pass `logger` (console is one) for a line per request, retry ' +
    'and outcome, or set DEBUG=rudder-group; rudder-group/compat takes @rudderstack/rudder-sdk-node\'s ' +
    'options, logLevel included'
}

/**
 * The options for the native settings table, and the JS-only ones: onOutcome (a function) and
 * logger (see log.js). Every name, default and range is the table's (see the typings for the list).
 */
// Renamed options, old name to new (the settings table's): each warned about once a process.
const DEPRECATED = Object.freeze(native.deprecatedOptions())
const warnedDeprecated = new Set()

function clientConfig (options) {
  if (options === undefined || options === null) throw configError('options', 'are required: new Client({ writeKey, dataPlaneUrl })')
  const { onOutcome, logger, ...settings } = optionsObject(options, 'options')
  for (const name of Object.keys(PEER_OPTIONS)) {
    if (settings[name] !== undefined) throw configError(name, PEER_OPTIONS[name])
  }
  if (onOutcome !== undefined && typeof onOutcome !== 'function') {
    throw configError('onOutcome', `must be a function, got ${describe(onOutcome)}`)
  }
  for (const [old, now] of Object.entries(DEPRECATED)) {
    if (settings[old] !== undefined && !warnedDeprecated.has(old)) {
      warnedDeprecated.add(old)
      process.emitWarning(`the option \`${old}\` is now \`${now}\`; the old name is still accepted`,
        { type: 'DeprecationWarning', code: 'RUDDER_GROUP_DEPRECATED_OPTION' })
    }
  }
  return { settings: settingList(settings, 'options', ['retry']), onOutcome, logger: loggerFrom(logger) }
}

/** A caller's callback, made safe: what it throws (or rejects with) becomes a warning. */
function guarded (callback, name) {
  const report = (err) => {
    const warning = new Error(`the ${name} callback threw: ${err instanceof Error ? err.message : String(err)}`)
    warning.name = 'RudderGroupWarning'
    warning.cause = err
    process.emitWarning(warning)
  }
  return (...args) => {
    try {
      const r = callback(...args)
      if (r !== null && typeof r === 'object' && typeof r.then === 'function') r.then(undefined, report)
    } catch (err) {
      report(err)
    }
  }
}

/** A callback argument: undefined, or a function (anything else is INVALID_CONFIG). */
function callbackArg (callback) {
  if (callback !== undefined && typeof callback !== 'function') {
    throw configError('callback', `must be a function, got ${describe(callback)}`)
  }
  return callback
}

/** flush(options?, callback?) and close(options?, callback?): a function first is the callback. */
function waitArgs (options, callback) {
  if (typeof options === 'function' && callback === undefined) return [undefined, options]
  return [options, callbackArg(callback)]
}

/**
 * The error a group() callback receives for events that failed or were dropped; null when they
 * were delivered.
 */
function outcomeError (o) {
  if (o.kind === 'delivered') return null
  const n = o.count
  return new RudderGroupError('DELIVERY_FAILED', describeOutcome(o), {
    failed: o.kind === 'failed' ? n : 0,
    dropped: o.kind === 'dropped' ? n : 0
  })
}

/**
 * What the outcome channel's JS end keeps: the callbacks of group() calls by messageId, the
 * caller's onOutcome and logger, and how many events' outcomes reached JS (a flush resolves once
 * every outcome it waited for has). The Client holds it; the native side's function closes over
 * it alone, never over the Client, so an unreferenced Client can still be collected and closed.
 */
class OutcomeState {
  constructor (onOutcome, logger) {
    this.onOutcome = onOutcome && guarded(onOutcome, 'onOutcome')
    this.logger = logger
    /** The native client, once made: outcomes and log records are taken from its queue. */
    this.native = undefined
    this.callbacks = new Map()
    this.handled = 0
    this.waiters = []
    /** A timer that keeps the process alive while a flush waits for outcomes to reach JS. */
    this.keepAlive = undefined
    this.warned = new Set()
    /**
     * At exit, once the client is closed: the reasons of the failed and dropped outcomes taken,
     * by kind, for the line that says the loss (which stands for the close's own log record).
     */
    this.reasons = undefined
  }

  /** Takes what waits at exit, gathering the reasons of failures (see takeReasons). */
  drainAtExit () {
    this.reasons = { failed: new Set(), dropped: new Set() }
    this.drain()
  }

  /** The reasons gathered by drainAtExit(), by kind; gathering stops. */
  takeReasons () {
    const reasons = this.reasons
    this.reasons = undefined
    return reasons
  }

  /** Calls `callback(err, outcome)` once the outcome of `messageId` arrives. */
  expect (messageId, callback) {
    const safe = guarded(callback, 'group')
    const earlier = this.callbacks.get(messageId)
    this.callbacks.set(messageId, earlier === undefined ? safe : [].concat(earlier, safe))
  }

  /** Takes what waits in the native queue (woken when it stops being empty). */
  drain () {
    const native = this.native
    if (native === undefined) return
    for (;;) {
      // The ids are read only to find callbacks and by onOutcome (each callback is registered
      // as its group() returns, before any drain).
      const withIds = this.callbacks.size > 0 || this.onOutcome !== undefined
      const items = native.takeOutcomes(256, withIds)
      if (items.length === 0) return
      for (const item of items) {
        if (item.outcome) this.receive(item.outcome)
        else if (item.log && this.logger && !(this.reasons && item.log.kind === 'close')) logRecord(this.logger, item.log)
      }
    }
  }

  receive (o) {
    this.handled += o.count
    if (this.reasons !== undefined && o.kind !== 'delivered') this.reasons[o.kind].add(o.reason)
    let seen = false
    if (this.callbacks.size > 0) {
      const err = outcomeError(o)
      for (const id of o.messageIds) {
        const callbacks = this.callbacks.get(id)
        if (callbacks === undefined) continue
        this.callbacks.delete(id)
        seen = true
        for (const callback of [].concat(callbacks)) callback(err, o)
      }
    }
    if (this.onOutcome) this.onOutcome(o)
    this.#tell(o, seen || this.onOutcome !== undefined)
    if (this.waiters.length > 0) {
      this.waiters = this.waiters.filter((w) => {
        if (this.handled < w.target) return true
        w.resolve()
        return false
      })
      if (this.waiters.length === 0) this.keepAlive = clearInterval(this.keepAlive)
    }
  }

  /** The logger's line for an outcome; with no logger, a failure nobody saw warns once per kind. */
  #tell (o, seen) {
    if (this.logger) {
      const dropped = this.native ? this.native.takeLogsDropped() : 0
      if (dropped > 0) logRecord(this.logger, { droppedBefore: dropped })
      this.logger[o.kind === 'delivered' ? 'debug' : 'warn'](describeOutcome(o))
    } else if (o.kind !== 'delivered' && !seen && !this.warned.has(o.kind)) {
      this.warned.add(o.kind)
      process.emitWarning(`${describeOutcome(o)} (further ${o.kind} events are not warned about: pass onOutcome or logger, or set DEBUG=rudder-group)`,
        { type: 'RudderGroupWarning', code: 'RUDDER_GROUP_DELIVERY' })
    }
  }

  /** Resolves once the outcomes of `target` events (counted since the start) reached JS. */
  handledUpTo (target) {
    if (this.handled >= target) return Promise.resolve()
    // The outcomes are already on their way (the native wait returned), but the queue that
    // brings them does not keep the process alive: a timer does until they are in.
    this.keepAlive ??= setInterval(() => {}, 1 << 30)
    return new Promise((resolve) => this.waiters.push({ target, resolve }))
  }
}

/** Settles a wait's promise through `callback(err, result)` when one is given. */
function through (promise, callback) {
  if (callback === undefined) return promise
  const safe = guarded(callback, 'flush')
  promise.then((result) => safe(null, result), (err) => safe(err))
  return undefined
}

function timeoutOf (options) {
  const { timeout } = optionsObject(options, 'options')
  return timeout === undefined ? undefined : millis('timeout', timeout)
}

/** Sends group calls to a data plane: validated and queued at once, delivered by a native worker. */
class Client {
  #native
  #group
  #entry
  #outcomes
  #maxEventBytes

  constructor (options) {
    const { settings, onOutcome, logger } = clientConfig(options)
    const outcomes = new OutcomeState(onOutcome, logger)
    const result = native.createClient(settings, () => outcomes.drain(), logger !== undefined)
    if (!(result instanceof native.NativeClient)) throw fromInfo(result)
    this.#native = result
    this.#group = result.groupFunction()
    this.#maxEventBytes = result.maxEventBytes
    this.#outcomes = outcomes
    outcomes.native = result
    this.#entry = exit.track(this, result, outcomes, result.shutdownTimeout)
  }

  /**
   * Validates and enqueues a group call; returns its messageId. Throws RudderGroupError. With a
   * callback, `callback(err, outcome)` is called once the event has its outcome: `err` is null
   * when it was delivered, a DELIVERY_FAILED RudderGroupError when it failed or was dropped.
   */
  group (params, callback) {
    callbackArg(callback)
    const r = this.#group(encode(params, this.#maxEventBytes, true), callback !== undefined)
    if (typeof r !== 'string') throw fromInfo(r)
    if (callback !== undefined) this.#outcomes.expect(r, callback)
    return r
  }

  /** Enqueues an event made by GroupEvent.build or GroupEvent.fromJSON; returns its messageId. */
  enqueue (event, callback) {
    callbackArg(callback)
    if (!(event instanceof GroupEvent)) {
      throw new TypeError('enqueue takes a GroupEvent (GroupEvent.build(params) or GroupEvent.fromJSON(text))')
    }
    const r = this.#native.enqueue(GroupEvent.handle(event), callback !== undefined)
    if (typeof r !== 'string') throw fromInfo(r)
    if (callback !== undefined) this.#outcomes.expect(r, callback)
    return r
  }

  /**
   * Resolves when every event enqueued before it has an outcome, and onOutcome and the group()
   * callbacks have seen it: { delivered, failed, dropped }. With a callback (`flush(cb)`,
   * `flush(options, cb)`), calls `cb(err, result)` instead and returns undefined.
   */
  flush (options, callback) {
    [options, callback] = waitArgs(options, callback)
    return through(this.#wait('flush', options, (timeout) => this.#native.flush(timeout)), callback)
  }

  /** Flushes, then stops the worker; later calls to group() fail with CLIENT_CLOSED. A callback as in flush(). */
  close (options, callback) {
    [options, callback] = waitArgs(options, callback)
    return through(this.#wait('close', options, (timeout) => {
      exit.untrack(this.#entry)
      return this.#native.close(timeout)
    }), callback)
  }

  async #wait (what, options, op) {
    const result = await op(timeoutOf(options))
    const { delivered, failed, dropped } = this.#native.stats
    // Even when the wait timed out, onOutcome and the callbacks see every outcome counted so
    // far (after a close, every event's but those kept in a spool) before the caller hears.
    await this.#outcomes.handledUpTo(delivered + failed + dropped)
    if ('code' in result) throw fromInfo(result)
    // A flush at debug (an app may flush after every call), a close at info, as in Python.
    const logger = this.#outcomes.logger
    if (logger) logger[what === 'flush' ? 'debug' : 'info'](describeResult(what, result))
    return result
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

module.exports = { Client, guarded, outcomeError }
