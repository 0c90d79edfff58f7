'use strict'
// Delivery at process exit: 'beforeExit' flushes live clients (the event loop stays up while
// they send); 'exit' closes those with events left, all at once, each within its
// shutdownTimeout, then hands their outcomes to onOutcome and the group() callbacks on the spot
// and says what was not delivered (on stderr, or through the client's logger). Clients are held
// through WeakRefs, so tracking keeps none of them alive.

const native = require('../index.js')
const { describeLoss, tellLoss } = require('./log.js')

const live = new Set()
const registry = new FinalizationRegistry((entry) => live.delete(entry))
let installed = false
let flushing = null
let longestTimeout = 0

/**
 * Tracks a client (owner: the JS object; handle: its native client; outcomes: the JS end of its
 * outcome queue, which takes what waits in it and says what was lost).
 */
function track (owner, handle, outcomes, timeout) {
  const entry = { ref: new WeakRef(handle), outcomes: new WeakRef(outcomes), timeout, flushedAt: -1, gaveUp: false }
  live.add(entry)
  registry.register(owner, entry, entry)
  longestTimeout = Math.max(longestTimeout, timeout)
  if (!installed) {
    installed = true
    process.on('beforeExit', beforeExit)
    process.on('exit', onExit)
  }
  return entry
}

/** Stops tracking a client (it is being closed). */
function untrack (entry) {
  live.delete(entry)
  registry.unregister(entry)
}

/** The live clients with events to deliver: { entry, handle, stats }. */
function pending () {
  const out = []
  for (const entry of live) {
    const handle = entry.ref.deref()
    if (handle === undefined) {
      live.delete(entry)
      continue
    }
    if (handle.closed) continue
    const stats = handle.stats
    if (stats.queued > 0) out.push({ entry, handle, stats })
  }
  return out
}

/** Flushes, once for the same events, the clients with events left. */
function beforeExit () {
  if (flushing !== null) return
  const work = pending().filter(({ entry, stats }) => entry.flushedAt !== stats.enqueued).map(({ entry, handle, stats }) => {
    entry.flushedAt = stats.enqueued
    // The native promise always resolves: with the counts, or an error object on timeout.
    return handle.flush(entry.timeout).then(
      (result) => { entry.gaveUp = 'code' in result },
      () => { entry.gaveUp = true }
    )
  })
  if (work.length > 0) {
    flushing = Promise.all(work).then(() => { flushing = null })
  }
}

/**
 * Closes the clients with events left, at once. A client whose flush at 'beforeExit' already
 * waited its shutdownTimeout for these same events is closed without waiting again. Once the
 * closes return, every event has had its outcome (or stays in a spool): each is handed to JS
 * here, since no later turn of the event loop comes.
 */
function onExit () {
  const closing = pending().map((c) => ({
    ...c,
    wait: c.entry.gaveUp && c.entry.flushedAt === c.stats.enqueued ? 0 : c.entry.timeout
  }))
  const results = closing.length === 0
    ? []
    : native.closeClientsSync(closing.map((c) => c.handle), closing.map((c) => c.wait))
  for (const entry of live) entry.outcomes.deref()?.drainAtExit()
  closing.forEach(({ entry, handle, stats }, i) => {
    const outcomes = entry.outcomes.deref()
    const loss = describeLoss('at exit', entry.timeout, stats, handle.stats, results[i], outcomes?.takeReasons())
    if (loss !== undefined) tellLoss(outcomes?.logger, loss)
  })
  native.waitBackgroundCloses(longestTimeout)
}

module.exports = { track, untrack }
