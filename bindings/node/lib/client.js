'use strict'
// Client: validate and enqueue on the caller's thread; flush and close off it, as Promises.

const native = require('../index.js')
const exit = require('./exit.js')
const { GroupEvent } = require('./event.js')
const {
  fromInfo, configError, optionsObject, describe, integer, millis, oneOf, eventOptions
} = require('./errors.js')

const U32 = 0xffffffff
const DEFAULT_SHUTDOWN_TIMEOUT = 5000
const DEFAULT_OVERFLOW_TIMEOUT = 1000

function string (setting, value) {
  if (typeof value !== 'string') throw configError(setting, `must be a string, got ${describe(value)}`)
  return value
}

function boolean (setting, value) {
  if (typeof value !== 'boolean') throw configError(setting, `must be true or false, got ${describe(value)}`)
  return value
}

function retryOptions (value, config) {
  for (const [key, v] of Object.entries(optionsObject(value, 'retry'))) {
    if (v === undefined) continue
    switch (key) {
      case 'maxAttempts': config.retryMaxAttempts = integer('retry.maxAttempts', v, 0, U32); break
      case 'maxElapsed': config.retryMaxElapsed = millis('retry.maxElapsed', v); break
      case 'initialBackoff': config.retryInitialBackoff = millis('retry.initialBackoff', v); break
      case 'maxBackoff': config.retryMaxBackoff = millis('retry.maxBackoff', v); break
      default: throw configError(`retry.${key}`, 'is not a retry setting (maxAttempts, maxElapsed, initialBackoff, maxBackoff)')
    }
  }
}

/** Checks the types of the options and shapes them for the native layer. */
function clientConfig (options) {
  const config = { writeKey: '', dataPlaneUrl: '' }
  const event = {}
  let onOutcome
  let overflow = 'drop'
  let overflowTimeout = DEFAULT_OVERFLOW_TIMEOUT
  let shutdownTimeout = DEFAULT_SHUTDOWN_TIMEOUT
  if (options === undefined || options === null) throw configError('options', 'are required: new Client({ writeKey, dataPlaneUrl })')
  for (const [key, value] of Object.entries(optionsObject(options, 'options'))) {
    if (value === undefined) continue
    switch (key) {
      case 'writeKey': config.writeKey = string(key, value); break
      case 'dataPlaneUrl': config.dataPlaneUrl = string(key, value); break
      case 'flushAt': config.flushAt = integer(key, value, 0, U32); break
      case 'flushInterval': config.flushInterval = millis(key, value); break
      case 'maxBatchBytes': config.maxBatchBytes = integer(key, value, 0, Number.MAX_SAFE_INTEGER); break
      case 'maxQueueEvents': config.maxQueueEvents = integer(key, value, 0, Number.MAX_SAFE_INTEGER); break
      case 'maxQueueBytes': config.maxQueueBytes = integer(key, value, 0, Number.MAX_SAFE_INTEGER); break
      case 'overflow': overflow = oneOf(key, value, ['drop', 'block']); break
      case 'overflowTimeout': overflowTimeout = millis(key, value); break
      case 'gzip': config.gzip = boolean(key, value); break
      case 'gzipLevel': config.gzipLevel = integer(key, value, 0, U32); break
      case 'connectTimeout': config.connectTimeout = millis(key, value); break
      case 'requestTimeout': config.requestTimeout = millis(key, value); break
      case 'retry': retryOptions(value, config); break
      case 'proxy': config.proxy = string(key, value); break
      case 'validation':
      case 'maxEventBytes': Object.assign(event, eventOptions({ [key]: value })); break
      case 'transport': config.memory = oneOf(key, value, ['http', 'memory']) === 'memory'; break
      case 'shutdownTimeout': shutdownTimeout = millis(key, value); break
      case 'onOutcome':
        if (typeof value !== 'function') throw configError(key, `must be a function, got ${describe(value)}`)
        onOutcome = value
        break
      default:
        throw configError(key, 'is not a client setting')
    }
  }
  if (overflow === 'block') config.overflowBlock = overflowTimeout
  config.shutdownTimeout = shutdownTimeout
  config.event = event
  return { config, onOutcome, shutdownTimeout }
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
    const { config, onOutcome, shutdownTimeout } = clientConfig(options)
    const result = native.createClient(config, onOutcome && guarded(onOutcome))
    if (!(result instanceof native.NativeClient)) throw fromInfo(result)
    this.#native = result
    this.#entry = exit.track(this, result, shutdownTimeout)
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
