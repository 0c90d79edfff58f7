'use strict'
// Delivery at process exit: 'beforeExit' flushes live clients (the event loop stays up while
// they send), 'exit' makes a last synchronous flush bounded by each client's shutdownTimeout.
// Clients are held through WeakRefs, so tracking keeps none of them alive.

const native = require('../index.js')

const live = new Set()
const registry = new FinalizationRegistry((entry) => live.delete(entry))
let installed = false
let flushing = null
let longestTimeout = 0

/** Tracks a client (owner: the JS object; handle: its native client). */
function track (owner, handle, timeout) {
  const entry = { ref: new WeakRef(handle), timeout, flushedAt: -1, gaveUp: false }
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

/**
 * The native clients with events to deliver. `beforeExit` skips those it already flushed for
 * the same events; `exit` skips only those whose bounded flush gave up on them.
 */
function pending (atExit) {
  const out = []
  for (const entry of live) {
    const handle = entry.ref.deref()
    if (handle === undefined) {
      live.delete(entry)
      continue
    }
    if (handle.closed) continue
    const { enqueued, queued } = handle.stats
    if (queued === 0) continue
    if (entry.flushedAt === enqueued && (!atExit || entry.gaveUp)) continue
    out.push({ entry, handle, enqueued })
  }
  return out
}

function beforeExit () {
  if (flushing !== null) return
  const work = pending(false).map(({ entry, handle, enqueued }) => {
    entry.flushedAt = enqueued
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

function onExit () {
  for (const { entry, handle } of pending(true)) {
    handle.flushSync(entry.timeout)
  }
  native.waitBackgroundCloses(longestTimeout)
}

module.exports = { track, untrack }
