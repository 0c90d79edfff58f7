'use strict'
// The client against the local data plane (`rudder-group serve`, spawned for this file).

const test = require('node:test')
const assert = require('node:assert/strict')
const { isMainThread, threadId } = require('node:worker_threads')
const { Client, RudderGroupError } = require('rudder-group')
const { startDataPlane, unusedUrl, eventually, WRITE_KEY, PACKAGE_VERSION } = require('./helpers.js')

let plane

test.before(async () => { plane = await startDataPlane() })
test.after(async () => { await plane.stop() })
test.beforeEach(async () => { await plane.clearFaults(); await plane.reset() })

/** A client for the data plane that records its outcomes. */
function clientFor (options = {}) {
  const outcomes = []
  const client = new Client({
    writeKey: WRITE_KEY,
    dataPlaneUrl: plane.url,
    flushInterval: 50,
    retry: { initialBackoff: 10, maxBackoff: 50 },
    onOutcome: (o) => outcomes.push({ ...o, mainThread: isMainThread && threadId === 0 }),
    ...options
  })
  return { client, outcomes }
}

const traits = { name: 'MyGroup', industry: 'IT', employees: 450, plan: 'basic' }

test('events are delivered in batches with auth, gzip and the SDK named', async () => {
  const { client, outcomes } = clientFor({ flushAt: 10 })
  const ids = []
  // One identity: one lane, so the data plane holds the events in the order they were enqueued.
  for (let i = 0; i < 25; i++) ids.push(client.group({ groupId: '12345', userId: 'u', traits }))
  const result = await client.flush()
  assert.deepStrictEqual(result, { delivered: 25, failed: 0, dropped: 0 })
  const events = await plane.events()
  assert.deepStrictEqual(events.map((e) => e.messageId), ids)
  const e = events[0]
  assert.equal(e.type, 'group')
  assert.equal(e.groupId, '12345')
  assert.deepStrictEqual(e.traits, traits)
  assert.deepStrictEqual(e.context.library, { name: 'rudder-group-node', version: PACKAGE_VERSION })
  assert.equal(typeof e.sentAt, 'string')
  const requests = await plane.requests()
  // A batch is due at 10 events; a backlog fills it further, and the flush sends the rest.
  const sizes = requests.map((r) => r.events.length)
  assert.equal(sizes.reduce((a, b) => a + b, 0), 25)
  assert.ok(sizes.length <= 3 && sizes.slice(0, -1).every((n) => n >= 10), String(sizes))
  for (const r of requests) {
    assert.equal(r.path, '/v1/batch')
    assert.equal(r.status, 200)
    assert.equal(r.headers.authorization, 'Basic ' + Buffer.from(`${WRITE_KEY}:`).toString('base64'))
    assert.equal(r.headers['content-encoding'], 'gzip')
    assert.match(r.headers['user-agent'], /rudder-group-node/)
  }
  await eventually(() => outcomes.length === requests.length)
  assert.deepStrictEqual(outcomes.flatMap((o) => o.messageIds), ids)
  assert.ok(outcomes.every((o) => o.kind === 'delivered' && o.status === 200 && o.attempts === 1 && o.mainThread))
  assert.equal(client.stats.delivered, 25)
  assert.equal(client.stats.queued, 0)
  await client.close()
})

test('gzip can be turned off', async () => {
  const { client } = clientFor({ gzip: false })
  client.group({ groupId: 'g', anonymousId: 'a' })
  await client.flush()
  const [request] = await plane.requests()
  assert.equal(request.headers['content-encoding'], undefined)
  assert.equal(request.status, 200)
  await client.close()
})

test('5xx answers are retried with the same messageIds until delivered', async () => {
  await plane.fault({ status: 500, next: 2 })
  const { client, outcomes } = clientFor()
  const id = client.group({ groupId: 'g', userId: 'u', traits })
  assert.deepStrictEqual(await client.flush(), { delivered: 1, failed: 0, dropped: 0 })
  const requests = await plane.requests()
  assert.deepStrictEqual(requests.map((r) => r.status), [500, 500, 200])
  assert.deepStrictEqual((await plane.events()).map((e) => e.messageId), [id])
  assert.equal(client.stats.retried, 2)
  await eventually(() => outcomes.length === 1)
  assert.equal(outcomes[0].attempts, 3)
  await client.close()
})

test('a refused write key is a terminal failure reported with status and body, not a rejection', async () => {
  const { client, outcomes } = clientFor({ writeKey: 'not-a-key' })
  const id = client.group({ groupId: 'g', userId: 'u' })
  assert.deepStrictEqual(await client.flush(), { delivered: 0, failed: 1, dropped: 0 })
  await eventually(() => outcomes.length === 1)
  assert.equal(outcomes[0].kind, 'failed')
  assert.equal(outcomes[0].status, 401)
  assert.match(outcomes[0].body, /invalid write key/)
  assert.deepStrictEqual(outcomes[0].messageIds, [id])
  assert.equal(client.stats.failed, 1)
  await client.close()
})

test('flush with a timeout rejects with FLUSH_TIMEOUT and loses nothing', async () => {
  await plane.fault({ latency_ms: 1500, next: 1 })
  const { client } = clientFor()
  // One identity: one lane, so the second event waits behind the first, held 1.5 s.
  const ids = [client.group({ groupId: 'g', userId: 'u' }), client.group({ groupId: 'g', userId: 'u' })]
  await assert.rejects(client.flush({ timeout: 20 }), (err) => {
    assert.ok(err instanceof RudderGroupError)
    assert.equal(err.code, 'FLUSH_TIMEOUT')
    assert.equal(err.pending, 2)
    return true
  })
  assert.deepStrictEqual(await client.flush(), { delivered: 2, failed: 0, dropped: 0 })
  assert.deepStrictEqual((await plane.events()).map((e) => e.messageId), ids)
  await client.close()
})

test('flush runs off the main thread: the event loop turns while it waits', async () => {
  await plane.fault({ latency_ms: 1000, next: 1 })
  const { client } = clientFor()
  client.group({ groupId: 'g', userId: 'u' })
  const order = []
  const flushed = client.flush().then(() => order.push('flushed'))
  await new Promise((resolve) => setImmediate(resolve))
  order.push('event loop turned')
  await flushed
  assert.deepStrictEqual(order, ['event loop turned', 'flushed'])
  await client.close()
})

test('429 with Retry-After is retried after the wait; a dropped connection is retried', async () => {
  await plane.fault({ status: 429, retry_after: '1', next: 1 })
  const { client } = clientFor()
  client.group({ groupId: 'g', userId: 'u1' })
  assert.deepStrictEqual(await client.flush(), { delivered: 1, failed: 0, dropped: 0 })
  assert.equal(client.stats.throttled, 1)
  await plane.fault({ drop: true, next: 1 })
  client.group({ groupId: 'g', userId: 'u2' })
  assert.deepStrictEqual(await client.flush(), { delivered: 1, failed: 0, dropped: 0 })
  assert.equal((await plane.events()).length, 2)
  await client.close()
})

test('an onOutcome that throws is reported as a warning; delivery goes on', async () => {
  const warnings = []
  const onWarning = (w) => warnings.push(w)
  process.on('warning', onWarning)
  try {
    const client = new Client({
      writeKey: WRITE_KEY,
      dataPlaneUrl: plane.url,
      onOutcome: () => { throw new Error('callback bug') }
    })
    client.group({ groupId: 'g', userId: 'u1' })
    await client.flush()
    client.group({ groupId: 'g', userId: 'u2' })
    await client.flush()
    await eventually(() => warnings.length >= 2)
    assert.equal(warnings[0].name, 'RudderGroupWarning')
    assert.match(warnings[0].message, /callback bug/)
    assert.equal(client.stats.delivered, 2)
    await client.close()
  } finally {
    process.off('warning', onWarning)
  }
})

test('an async onOutcome that rejects is reported the same way', async () => {
  const warnings = []
  const onWarning = (w) => warnings.push(w)
  process.on('warning', onWarning)
  try {
    const client = new Client({ writeKey: WRITE_KEY, dataPlaneUrl: plane.url, onOutcome: async () => { throw new Error('async bug') } })
    client.group({ groupId: 'g', userId: 'u1' })
    await client.flush()
    await eventually(() => warnings.length >= 1)
    assert.match(warnings[0].message, /async bug/)
    await client.close()
  } finally {
    process.off('warning', onWarning)
  }
})

test('close delivers what is queued, then refuses new calls', async () => {
  const { client } = clientFor({ flushAt: 1000, flushInterval: 3_600_000 })
  for (let i = 0; i < 5; i++) client.group({ groupId: 'g', userId: `u${i}` })
  assert.deepStrictEqual(await client.close({ timeout: 10_000 }), { delivered: 5, failed: 0, dropped: 0 })
  assert.equal((await plane.events()).length, 5)
  assert.throws(() => client.group({ groupId: 'g', userId: 'u' }), { code: 'CLIENT_CLOSED' })
})

test('a close that times out rejects only once onOutcome and the callbacks have seen every event', async () => {
  // 64 lanes, each retrying when the time runs out: each reports its events as it stops.
  const { client, outcomes } = clientFor({ dataPlaneUrl: await unusedUrl(), maxConcurrentRequests: 64 })
  let called = 0
  for (let i = 0; i < 1000; i++) client.group({ groupId: 'g', userId: `u${i}` }, () => { called++ })
  await assert.rejects(client.close({ timeout: 200 }), { code: 'FLUSH_TIMEOUT', pending: 1000, dropped: 1000, kept: 0 })
  // Read at once: nothing else ran between the rejection and here.
  assert.equal(called, 1000)
  assert.equal(outcomes.reduce((n, o) => n + o.count, 0), 1000)
  assert.ok(outcomes.every((o) => o.kind === 'dropped'))
})

test('events sent by several clients at once all arrive', async () => {
  const clients = [clientFor(), clientFor(), clientFor()].map((c) => c.client)
  const ids = clients.flatMap((c, n) => Array.from({ length: 40 }, (_, i) => c.group({ groupId: `g${n}`, userId: `u${i}` })))
  await Promise.all(clients.map((c) => c.flush()))
  assert.deepStrictEqual((await plane.events()).map((e) => e.messageId).sort(), ids.sort())
  await Promise.all(clients.map((c) => c.close()))
})

test("a renamed option's old name is accepted, with one deprecation warning a process", async () => {
  const { runNode } = require('./helpers.js')
  const r = await runNode(['-e', `
    const { Client } = require('rudder-group')
    for (let i = 0; i < 3; i++) {
      const client = new Client({ writeKey: 'k', transport: 'memory', overflow: 'block', overflowTimeout: 250 })
      client.close()
    }
  `])
  assert.equal(r.code, 0, r.stderr)
  const warnings = r.stderr.split('\n').filter((l) => l.includes('RUDDER_GROUP_DEPRECATED_OPTION'))
  assert.equal(warnings.length, 1, r.stderr)
  assert.match(warnings[0], /the option `overflowTimeout` is now `blockTimeout`/)
})
