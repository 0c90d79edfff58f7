'use strict'
// rudder-group/compat's constructor options: @rudderstack/rudder-sdk-node's, as the Client's.
// Every value is checked by the Client's settings table; only what the peer meant is decided
// here.

const native = require('../index.js')
const { configError, describe } = require('./errors.js')

const { debugNames } = require('./log.js')

const UNHONOURED = ['path', 'axiosConfig', 'axiosInstance', 'axiosRetryConfig']
// The peer's log levels, least severe first: a level shows its own lines and those above it.
const LEVELS = { log: 0, debug: 1, info: 2, warn: 3, error: 4, none: 5 }

// The peer's retries (axios-retry's exponentialDelay): the k-th of `retryCount` waits is
// 100 * 2^k ms plus up to 20%, so at its longest 240 * 2^(k-1) ms.
const PEER_LONGEST_FIRST_WAIT = 240
// The longest duration a setting takes (the settings table's range).
const A_DAY = 86_400_000
// Past 2^40 every duration is a day: larger powers change nothing.
const pow2 = (k) => 2 ** Math.min(k, 40)

/** Milliseconds from the peer's `timeout`: a number, or a string such as '500ms', '10s', '2m'. */
function timeoutMillis (value) {
  if (typeof value === 'number') return value
  const match = typeof value === 'string' && /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/i.exec(value)
  if (!match) throw configError('timeout', `must be milliseconds or a duration such as '10s', got ${describe(value)}`)
  const unit = { ms: 1, s: 1000, m: 60000, h: 3600000, d: 86400000 }[(match[2] || 'ms').toLowerCase()]
  return Number(match[1]) * unit
}

/**
 * The Client's `retry` settings for the peer's `retryCount` (undefined: none, so the Client's
 * own 120 s budget applies), so that every outage the peer rode through is ridden through:
 * - `maxElapsed`: the peer's longest retry window, its n waits at their longest
 *   (240 * (2^n - 1) ms) and n requests that run to `requestTimeout` before its last one, at
 *   most a day;
 * - `initialBackoff` 240 ms and `maxBackoff` 240 * 2^(n-1) ms: each wait is drawn between zero
 *   and the peer's longest wait at that place (full jitter);
 * - `maxAttempts` 2n + 8: jittered waits are half the peer's on average, so n + 1 requests
 *   would end before the peer's window more often than not; with 2n + 8, fewer than one
 *   sequence of draws in 10,000 ends before it, and the budget ends the rest there.
 * retryCount 0 is one request, as the peer sends it.
 */
function retrySettings (retryCount, requestTimeout) {
  if (retryCount === undefined || retryCount === null) return undefined
  if (!Number.isInteger(retryCount) || retryCount < 0) {
    throw configError('retryCount', `must be a whole number of retries, at least 0, got ${describe(retryCount)}`)
  }
  const n = retryCount
  if (n === 0) return { maxAttempts: 1, maxElapsed: 0 }
  return {
    maxAttempts: Math.min(2 * n + 8, 2 ** 32 - 1),
    maxElapsed: Math.min(PEER_LONGEST_FIRST_WAIT * (pow2(n) - 1) + n * requestTimeout, A_DAY),
    initialBackoff: PEER_LONGEST_FIRST_WAIT,
    maxBackoff: Math.min(PEER_LONGEST_FIRST_WAIT * pow2(n - 1), A_DAY)
  }
}

/**
 * The console's lines for the peer's `logLevel`, as the peer writes them (`<ISO time>
 * [rudder-group] <level>: <message>` through console.debug, info, warn and error), each level
 * showing itself and those above it (`debugShown` says whether debug lines are). Unset (or
 * another false value, as the peer read it), the peer's 'info', or 'debug' when DEBUG names
 * rudder-group. A level the peer did not know (its own docs name 'silly') is read as the peer
 * read it, error lines only, and warned about once (`warnOnce(key, text)`): the peer never threw
 * for it. The write key is never logged.
 */
function consoleLogger (logLevel, warnOnce) {
  let level = logLevel || (debugNames(process.env.DEBUG) ? 'debug' : 'info')
  if (typeof level !== 'string' || !Object.hasOwn(LEVELS, level)) {
    const named = typeof level === 'string' ? `'${level}'` : describe(level)
    warnOnce(`logLevel:${named}`, `rudder-group/compat: logLevel ${named} is not one of ` +
      `${Object.keys(LEVELS).join(', ')}: error lines only, as @rudderstack/rudder-sdk-node read it`)
    level = 'error'
  }
  const min = LEVELS[level]
  const line = (level) => min <= LEVELS[level]
    ? (message) => { console[level](`${new Date().toISOString()} [rudder-group] ${level}: ${message}`) }
    : () => {}
  return { debug: line('debug'), info: line('info'), warn: line('warn'), error: line('error'), debugShown: min <= LEVELS.debug }
}

/**
 * The Client's `logger` over the console's lines: each request, retry and outcome, and each
 * flush and close, at debug (the peer logs none of them above it); failed and dropped events and
 * what a close or the exit could not deliver at error, where the peer logs a failed request.
 */
function clientLogger (lines) {
  return { debug: lines.debug, info: lines.debug, warn: lines.error, error: lines.error }
}

/** The Client's options for the peer's (the JS-only ones, onOutcome and logger, aside). */
function clientOptions (writeKey, o, warnOnce) {
  const url = o.dataPlaneUrl || o.host
  if (typeof url !== 'string' || url === '') {
    throw configError('dataPlaneUrl', `must be your data plane's URL, got ${describe(url)}`)
  }
  for (const name of UNHONOURED) {
    if (o[name] !== undefined && !(name === 'path' && String(o.path).replace(/\/+$/, '') === '/v1/batch')) {
      warnOnce(`option:${name}`, `rudder-group/compat: the option \`${name}\` is not honoured`)
    }
  }
  const options = { writeKey, dataPlaneUrl: url.replace(/\/+$/, '') }
  if (typeof o.flushAt === 'number') options.flushAt = Math.max(o.flushAt, 1)
  if (o.flushInterval) options.flushInterval = o.flushInterval
  if (o.maxInternalQueueSize) options.maxQueueEvents = o.maxInternalQueueSize
  if (o.maxQueueSize) options.maxBatchBytes = o.maxQueueSize
  if (o.timeout) options.requestTimeout = timeoutMillis(o.timeout)
  // A requestTimeout out of range is refused by the Client, by its name.
  const requestTimeout = typeof options.requestTimeout === 'number' ? options.requestTimeout : native.settingDefault('requestTimeout')
  const retry = retrySettings(o.retryCount, requestTimeout)
  if (retry !== undefined) options.retry = retry
  if (o.gzip === false) options.gzip = false
  if (o.validation !== undefined) options.validation = o.validation
  return options
}

module.exports = { clientOptions, retrySettings, timeoutMillis, consoleLogger, clientLogger }
