'use strict'
// worker_threads: the addon loads in each thread; one client per thread works on its own.

const test = require('node:test')
const assert = require('node:assert/strict')
const { Worker } = require('node:worker_threads')
const { PACKAGE, WRITE_KEY, startDataPlane } = require('./helpers.js')

const SCRIPT = `
const { parentPort, workerData, threadId } = require('node:worker_threads')
const { Client, GroupEvent } = require(workerData.pkg)
const ids = []
const outcomes = []
const client = new Client({
  writeKey: 'k',
  transport: 'memory',
  flushAt: 7,
  onOutcome: (o) => outcomes.push(...o.messageIds)
})
for (let i = 0; i < workerData.n; i++) {
  ids.push(client.group({ groupId: 'g-' + threadId, userId: 'u', traits: { i } })) // one lane: in order
}
const built = GroupEvent.build({ groupId: 'g', anonymousId: 'a', messageId: 'w-' + threadId }).messageId
client.flush().then(async (result) => {
  const sent = client.sentEvents().map((e) => e.messageId)
  await client.close()
  // Outcomes reach this thread's event loop; let it turn until all of them have.
  while (outcomes.length < ids.length) await new Promise((r) => setImmediate(r))
  parentPort.postMessage({ threadId, ids, sent, result, outcomes, built })
})
`

function runWorker (n) {
  return new Promise((resolve, reject) => {
    const worker = new Worker(SCRIPT, { eval: true, workerData: { pkg: PACKAGE, n } })
    let message
    worker.once('message', (m) => { message = m })
    worker.once('error', reject)
    worker.once('exit', (code) => code === 0 ? resolve(message) : reject(new Error(`worker exited with ${code}`)))
  })
}

test('the module loads and delivers in worker threads, one client per thread', async () => {
  const results = await Promise.all([runWorker(30), runWorker(45)])
  const [a, b] = results
  assert.notEqual(a.threadId, b.threadId)
  for (const [r, n] of [[a, 30], [b, 45]]) {
    assert.equal(r.ids.length, n)
    assert.deepStrictEqual(r.sent, r.ids)
    assert.deepStrictEqual(r.result, { delivered: n, failed: 0, dropped: 0 })
    assert.deepStrictEqual([...r.outcomes].sort(), [...r.ids].sort())
    assert.equal(r.built, `w-${r.threadId}`)
  }
})

test('a worker that ends with a client still open does not hang or crash the process', async () => {
  const script = `
    const { Client } = require(require('node:worker_threads').workerData.pkg)
    const client = new Client({ writeKey: 'k', transport: 'memory', onOutcome: () => {} })
    client.group({ groupId: 'g', userId: 'u' })
  `
  const code = await new Promise((resolve, reject) => {
    const worker = new Worker(script, { eval: true, workerData: { pkg: PACKAGE } })
    worker.once('error', reject)
    worker.once('exit', resolve)
  })
  assert.equal(code, 0)
})

test('a worker can be terminated while a flush is pending', async () => {
  const script = `
    const { parentPort, workerData } = require('node:worker_threads')
    const { Client } = require(workerData.pkg)
    // Nothing listens on port 9: the flush waits on retries until the worker is terminated.
    const client = new Client({ writeKey: 'k', dataPlaneUrl: 'http://127.0.0.1:9', retry: { initialBackoff: 50, maxBackoff: 50 } })
    client.group({ groupId: 'g', userId: 'u' })
    client.flush().then(() => {}, () => {})
    parentPort.postMessage('flushing')
  `
  const worker = new Worker(script, { eval: true, workerData: { pkg: PACKAGE } })
  await new Promise((resolve, reject) => { worker.once('message', resolve); worker.once('error', reject) })
  const code = await worker.terminate()
  assert.equal(code, 1)
})

test('a worker that sends and simply ends delivers its events at its own exit', async () => {
  const plane = await startDataPlane()
  try {
    const script = `
      const { parentPort, workerData } = require('node:worker_threads')
      const { Client } = require(workerData.pkg)
      const client = new Client({ writeKey: workerData.writeKey, dataPlaneUrl: workerData.url, flushInterval: 60000 })
      const ids = []
      for (let i = 0; i < 12; i++) ids.push(client.group({ groupId: 'g', userId: 'u' })) // one lane: in order
      parentPort.postMessage(ids)
    `
    const worker = new Worker(script, { eval: true, workerData: { pkg: PACKAGE, url: plane.url, writeKey: WRITE_KEY } })
    let ids
    worker.once('message', (m) => { ids = m })
    const code = await new Promise((resolve, reject) => { worker.once('error', reject); worker.once('exit', resolve) })
    assert.equal(code, 0)
    assert.deepStrictEqual((await plane.events()).map((e) => e.messageId), ids)
  } finally {
    await plane.stop()
  }
})
