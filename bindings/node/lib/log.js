'use strict'
// What the Node client tells people about delivery, in Node's ways. The worker never calls JS:
// these lines are made from the outcomes the channel brings to the main thread, and from the
// flush and close results.
// - A `logger` option (console-like: debug, info, warn, error; a missing method is skipped):
//   debug for each request (its answer and time), each retry (why, and the wait) and every
//   outcome and each flush, info for each close, warn for failed and dropped events. The request and
//   retry lines are the native client's log records: with a logger (or DEBUG) set, they come
//   through the outcomes' native queue, in order with them (256 waiting; past that they are
//   dropped, and the next line or outcome says how many); with neither, none is made.
// - Without one, DEBUG=rudder-group (the `debug` package's convention: names separated by commas
//   or spaces, `*` wildcards, `-name` to exclude) writes the same lines to stderr.
// - With neither, and no onOutcome, a failure is never silent: the first failed and the first
//   dropped outcome of each client are a process warning.
// - A close that runs out of time says what it did not deliver in a warn record of the native
//   client (`close: 100 events not delivered within 5.0 s: 100 dropped (...)`). At exit, one
//   line says it instead, through the logger or, without one, on stderr (a process warning
//   would come too late): `at exit, 100 events were not delivered within 5.0 s: 100 dropped
//   (why)`.
// Lines carry counts, statuses, the data plane's answers and reasons: never the write key.

const { configError, describe } = require('./errors.js')

const LEVELS = ['debug', 'info', 'warn', 'error']

/** Whether a DEBUG value names rudder-group. */
function debugNames (value) {
  let on = false
  for (const name of String(value || '').split(/[\s,]+/).filter(Boolean)) {
    const exclude = name.startsWith('-')
    const pattern = (exclude ? name.slice(1) : name).replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')
    if (new RegExp(`^${pattern}$`).test('rudder-group')) on = !exclude
  }
  return on
}

function stderrLogger () {
  const line = (level) => (message) => { process.stderr.write(`rudder-group ${level}: ${message}\n`) }
  return Object.fromEntries(LEVELS.map((level) => [level, line(level)]))
}

/** The logger to use: the option, else stderr when DEBUG names rudder-group, else undefined. */
function loggerFrom (option) {
  if (option === undefined || option === null) return debugNames(process.env.DEBUG) ? stderrLogger() : undefined
  if (typeof option !== 'object' || !LEVELS.some((level) => typeof option[level] === 'function')) {
    throw configError('logger', `must be an object with debug, info, warn or error methods (console is one), got ${describe(option)}`)
  }
  const out = {}
  for (const level of LEVELS) {
    out[level] = typeof option[level] === 'function' ? (message) => option[level](message) : () => {}
  }
  return out
}

const count = (n, noun) => `${n} ${noun}${n === 1 ? '' : 's'}`

/** A duration as every message writes it: "98 ms" below a second, then "1.2 s" (the core's rule). */
const duration = (ms) => (ms < 999.5 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`)

/** One line for an outcome: "2 events failed after 1 attempt (status 401: invalid write key): ...",
 * or "1 event delivered after 1 attempt (status 200)": a delivery needs no reason. */
function describeOutcome (o) {
  const noStatus = o.status === undefined || o.status === null
  const head = `${count(o.count ?? o.messageIds.length, 'event')} ${o.kind} after ${count(o.attempts, 'attempt')}`
  if (o.kind === 'delivered') return noStatus ? head : `${head} (status ${o.status})`
  const answer = noStatus ? '' : ` (status ${o.status}: ${String(o.body || '').trim()})`
  return `${head}${answer}: ${o.reason}`
}

/** Hands a native log record to the logger (`{ droppedBefore }` alone reports drops that no
 * record followed); a logger that throws is ignored (it runs from the native queue's callback,
 * which must not throw). */
function logRecord (logger, r) {
  try {
    if (r.droppedBefore > 0) logger.warn(`${count(r.droppedBefore, 'log record')} dropped: the main thread fell behind`)
    if (r.message === undefined) return
    const method = LEVELS.includes(r.level) ? r.level : 'warn'
    logger[method](r.message)
  } catch {
    // The logger's own failure has nowhere better to go.
  }
}

function describeResult (what, r) {
  return `${what}: ${r.delivered} delivered, ${r.failed} failed, ${r.dropped} dropped`
}

/**
 * What a close did not deliver, from the client's stats before and after it, its result (a
 * FLUSH_TIMEOUT error says how many it left in the spool: `kept`) and the reasons of the failed
 * and dropped outcomes taken meanwhile ({ failed, dropped }: Sets); undefined when it delivered
 * everything.
 */
function describeLoss (what, timeout, before, after, result, reasons) {
  const failed = after.failed - before.failed
  const dropped = after.dropped - before.dropped
  const kept = result?.kept ?? 0
  const lost = failed + dropped + kept
  if (lost === 0) return undefined
  const why = (kind) => (reasons?.[kind]?.size > 0 ? ` (${[...reasons[kind]].join(' / ')})` : '')
  const parts = []
  if (dropped > 0) parts.push(`${dropped} dropped${why('dropped')}`)
  if (failed > 0) parts.push(`${failed} failed${why('failed')}`)
  if (kept > 0) parts.push(`${kept} kept in the spool for the next client`)
  return `${what}, ${count(lost, 'event')} ${lost === 1 ? 'was' : 'were'} not delivered within ${duration(timeout)}: ${parts.join(', ')}`
}

/** Says a loss through the logger, else on stderr; never throws (it runs at exit too). */
function tellLoss (logger, line) {
  try {
    if (logger) logger.warn(line)
    else process.stderr.write(`rudder-group: ${line}\n`)
  } catch {
    // Nowhere better to say it.
  }
}

module.exports = { loggerFrom, describeOutcome, describeResult, describeLoss, tellLoss, debugNames, logRecord }
