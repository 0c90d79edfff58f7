'use strict'
// Callbacks on the main API: group(params, cb) once the event has its outcome, flush(cb) and
// close(cb) instead of a Promise, a callback that is not a function refused with
// INVALID_CONFIG, and flush() and close() called from inside the callbacks. A flush(cb) used to
// reject a Promise nobody held, killing the process.

const test = require('node:test')
const assert = require('node:assert/strict')
const { Client } = require('rudder-group')
const { startDataPlane, unusedUrl, runNode, WRITE_KEY } = require('./helpers.js')

let plane
test.before(async () => { plane = await startDataPlane() })
test.after(async () => { await plane.stop() })
test.beforeEach(async () => { await plane.clearFaults(); await plane.reset() })

const make = (options = {}) => new Client({
  writeKey: WRITE_KEY, dataPlaneUrl: plane.url, retry: { initialBackoff: 10, maxBackoff: 50 }, ...options
})

test('group(params, cb): cb(null, outcome) once delivered, before flush() resolves', async () => {
  const client = make({ flushInterval: 60_000 })
  const seen = []
  const id = client.group({ groupId: 'g', userId: 'u' }, (err, outcome) => seen.push([err, outcome.kind, outcome.messageIds]))
  client.group({ groupId: 'g', userId: 'u' })
  assert.deepStrictEqual(seen, [])
  await client.flush()
  assert.deepStrictEqual(seen, [[null, 'delivered', [id, seen[0][2][1]]]])
  await client.close()
})

test('group(params, cb): a failed event gives DELIVERY_FAILED with the answer', async () => {
  const client = make({ writeKey: 'bad-key' })
  const seen = []
  client.group({ groupId: 'g', userId: 'u' }, (err, outcome) => seen.push([err, outcome]))
  await client.flush()
  const [[err, outcome]] = seen
  assert.equal(err.code, 'DELIVERY_FAILED')
  assert.equal(err.failed, 1)
  assert.match(err.message, /status 401: invalid write key/)
  assert.equal(outcome.kind, 'failed')
  await client.close()
})

test('flush(cb), flush(options, cb) and close(cb) report to the callback and return undefined', async () => {
  const client = make()
  client.group({ groupId: 'g', userId: 'u' })
  const results = []
  const wait = () => new Promise((resolve) => setImmediate(resolve))
  assert.equal(client.flush((err, r) => results.push(['flush', err, r])), undefined)
  assert.equal(client.flush({ timeout: 10_000 }, (err, r) => results.push(['flush2', err, r])), undefined)
  assert.equal(client.flush({ timeout: 'soon' }, (err) => results.push(['bad', err.code, err.setting])), undefined)
  while (results.length < 3) await wait()
  assert.deepStrictEqual(results.find((r) => r[0] === 'bad'), ['bad', 'INVALID_CONFIG', 'timeout'])
  const counts = results.filter((r) => r[0] !== 'bad').map((r) => r[1] === null && r[2].delivered)
  assert.deepStrictEqual(counts.sort(), [0, 1])
  await new Promise((resolve) => client.close((err, r) => { results.push(['close', err, r]); resolve() }))
  assert.deepStrictEqual(results.at(-1), ['close', null, { delivered: 0, failed: 0, dropped: 0 }])
  assert.ok(client.closed)
})

test('a callback that is not a function is refused at once with INVALID_CONFIG', async () => {
  const client = make()
  const refused = (err) => err.code === 'INVALID_CONFIG' && err.setting === 'callback'
  assert.throws(() => client.group({ groupId: 'g', userId: 'u' }, 'later'), refused)
  assert.throws(() => client.flush({}, 5), refused)
  assert.throws(() => client.close(undefined, {}), refused)
  assert.equal(client.stats.enqueued, 0)
  await client.close()
})

test('a script that calls flush(cb) runs to the end (no unhandled rejection)', async () => {
  const r = await runNode(['-e', `
    const { Client } = require('rudder-group')
    const client = new Client({ writeKey: process.env.WRITE_KEY, dataPlaneUrl: process.env.URL })
    client.group({ groupId: 'g', userId: 'u' }, (err, outcome) => console.log('group', err, outcome.kind))
    client.flush((err, result) => {
      console.log('flush', err, JSON.stringify(result))
      client.close(() => console.log('closed'))
    })
  `], { env: { WRITE_KEY, URL: plane.url } })
  assert.equal(r.code, 0, r.stderr)
  assert.deepStrictEqual(r.stdout.trim().split('\n'), [
    'group null delivered',
    'flush null {"delivered":1,"failed":0,"dropped":0}',
    'closed'
  ])
})

// Each waits for outcomes that reach JS on the thread it is called from: a wait that blocked
// that thread could never see them. The timeout only ends a test that would hang.
test('flush() and close() called inside onOutcome and inside a group() callback resolve', { timeout: 60_000 }, async () => {
  for (const where of ['onOutcome', 'group callback']) {
    const inside = []
    const call = () => {
      if (inside.length > 0) return
      // The second event is queued by the callback, so the flush inside it has one to wait for.
      client.group({ groupId: 'g', userId: 'u' })
      inside.push(client.flush(), client.flush({ timeout: 10_000 }), client.close())
    }
    const client = make(where === 'onOutcome' ? { onOutcome: call } : {})
    client.group({ groupId: 'g', userId: 'u' }, where === 'onOutcome' ? undefined : call)
    const outer = await client.flush()
    assert.equal(inside.length, 3, where)
    const [flushed, timed, closed] = await Promise.all(inside)
    assert.equal(outer.delivered + flushed.delivered + timed.delivered + closed.delivered, 2, where)
    assert.ok(client.closed, where)
    assert.equal(client.stats.delivered, 2, where)
    assert.equal((await plane.events()).length, 2, where)
    await plane.reset()
  }
})

test('what a callback throws becomes a process warning; delivery goes on', async () => {
  const client = make()
  const warnings = []
  const onWarning = (w) => warnings.push(w)
  process.on('warning', onWarning)
  try {
    client.group({ groupId: 'g', userId: 'u' }, () => { throw new Error('boom') })
    client.group({ groupId: 'g', userId: 'u' })
    assert.deepStrictEqual(await client.flush(), { delivered: 2, failed: 0, dropped: 0 })
    await new Promise((resolve) => setImmediate(resolve))
  } finally {
    process.off('warning', onWarning)
  }
  assert.equal(warnings.length, 1)
  assert.match(warnings[0].message, /the group callback threw: boom/)
  await client.close()
})

test('outcomes merge while the main thread is busy: at most 1,024 objects, every event counted', async () => {
  const plane = await startDataPlane()
  try {
    await plane.fault({ latency_ms: 300, next: 1 })
    const seen = []
    const client = new Client({ writeKey: 'test-write-key', dataPlaneUrl: plane.url, maxQueueEvents: 10, onOutcome: (o) => seen.push(o) })
    let refused = 0
    // The main thread does not yield: every QUEUE_FULL's dropped outcome waits in the native queue.
    for (let i = 0; i < 5000; i++) {
      try {
        client.group({ groupId: 'g', userId: 'u' })
      } catch (err) {
        assert.equal(err.code, 'QUEUE_FULL')
        refused++
      }
    }
    assert.ok(refused >= 5000 - 20, `${refused} refused`)
    const result = await client.close()
    const dropped = seen.filter((o) => o.kind === 'dropped')
    assert.ok(seen.length <= 1024 + 10, `${seen.length} outcome objects`)
    assert.ok(dropped.some((o) => o.merged > 1))
    assert.equal(dropped.reduce((n, o) => n + o.count, 0), refused)
    assert.equal(client.stats.dropped, refused)
    assert.equal(seen.reduce((n, o) => n + o.count, 0), 5000)
    // With no callback waiting for them, a merged outcome keeps 1,000 of its ids.
    assert.ok(dropped.every((o) => o.messageIds.length === (o.merged > 1 ? Math.min(o.count, 1000) : o.count)))
    assert.equal(result.delivered, 5000 - refused)
  } finally {
    await plane.stop()
  }
})

test('merged outcomes keep a bounded number of messageIds, and every group() callback still fires once', async () => {
  const seen = []
  // Connections refused, one attempt each: the accepted events fail while the loop below runs.
  const client = new Client({
    writeKey: WRITE_KEY,
    dataPlaneUrl: await unusedUrl(),
    maxQueueEvents: 10,
    flushAt: 1,
    retry: { maxAttempts: 1 },
    onOutcome: (o) => seen.push(o)
  })
  const calls = new Map()
  let refused = 0
  let inMerged = 0
  // The main thread does not yield: outcomes wait in the native queue, and merge.
  for (let i = 0; i < 20_000; i++) {
    try {
      const id = client.group({ groupId: 'g', userId: `u${i % 64}` }, (err, o) => {
        assert.ok(err !== null && o.messageIds.includes(id))
        calls.set(id, calls.get(id) + 1)
        if (o.merged > 1) inMerged++
      })
      calls.set(id, 0)
    } catch (err) {
      assert.equal(err.code, 'QUEUE_FULL')
      refused++
    }
  }
  await client.close()
  assert.ok(refused > 2000, `${refused} refused`)
  assert.equal(calls.size, 20_000 - refused)
  assert.deepStrictEqual(new Set(calls.values()), new Set([1]))
  assert.ok(inMerged > 0, 'no callback was for an event of a merged outcome')
  const merged = seen.filter((o) => o.merged > 1)
  assert.ok(merged.some((o) => o.count > o.messageIds.length), 'no merged outcome left messageIds out')
  // Those with no callback are kept up to 1,000 per merged outcome.
  for (const o of merged) assert.ok(o.messageIds.filter((id) => !calls.has(id)).length <= 1000)
  const { delivered, failed, dropped } = client.stats
  assert.equal(seen.reduce((n, o) => n + o.count, 0), delivered + failed + dropped)
  assert.equal(delivered + failed + dropped, 20_000)
})
