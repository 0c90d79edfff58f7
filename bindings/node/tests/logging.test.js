'use strict'
// What a Node user sees about delivery: a `logger` option, DEBUG=rudder-group on stderr, and with
// neither (and no onOutcome) one process warning per kind of failure. Never the write key.

const test = require('node:test')
const assert = require('node:assert/strict')
const { Client } = require('rudder-group')
const { debugNames } = require('../lib/log.js')
const { startDataPlane, runNode, WRITE_KEY } = require('./helpers.js')

let plane
test.before(async () => { plane = await startDataPlane() })
test.after(async () => { await plane.stop() })
test.beforeEach(async () => { await plane.clearFaults(); await plane.reset() })

/** Lets the main thread run what the native queue brought, until `until()` holds. */
async function drain (until) {
  for (let i = 0; i < 1000 && !until(); i++) await new Promise((resolve) => setImmediate(resolve))
}

const isRecord = ([, m]) => m.startsWith('POST /v1/batch: ') || m.startsWith('retrying ')

test('a logger gets debug per outcome and flush, warn per failure and info per close', async () => {
  const all = []
  const logger = Object.fromEntries(['debug', 'info', 'warn', 'error'].map((l) => [l, (m) => all.push([l, m])]))
  const good = new Client({ writeKey: WRITE_KEY, dataPlaneUrl: plane.url, logger })
  good.group({ groupId: 'g', userId: 'u' })
  await good.flush()
  await good.close()
  const secret = 'a-secret-write-key'
  const bad = new Client({ writeKey: secret, dataPlaneUrl: plane.url, logger })
  bad.group({ groupId: 'g', userId: 'u' })
  bad.group({ groupId: 'g', userId: 'u' })
  await bad.close()
  const lines = all.filter((line) => !isRecord(line))
  assert.deepStrictEqual(lines.map(([level]) => level), ['debug', 'debug', 'info', 'warn', 'info'])
  assert.equal(lines[0][1], '1 event delivered after 1 attempt (status 200)')
  assert.equal(lines[1][1], 'flush: 1 delivered, 0 failed, 0 dropped')
  assert.match(lines[3][1], /^2 events failed after 1 attempt \(status 401: invalid write key\): /)
  assert.equal(lines[4][1], 'close: 0 delivered, 2 failed, 0 dropped')
  assert.ok(all.every(([, m]) => !m.includes(secret)))
})

test('a logger gets debug per request and per retry', async () => {
  const lines = []
  const logger = Object.fromEntries(['debug', 'info', 'warn', 'error'].map((l) => [l, (m) => lines.push([l, m])]))
  await plane.fault({ status: 503, next: 2 })
  const client = new Client({ writeKey: WRITE_KEY, dataPlaneUrl: plane.url, logger, retry: { initialBackoff: 10, maxBackoff: 20 } })
  for (let i = 0; i < 3; i++) client.group({ groupId: 'g', userId: 'u' })
  await client.flush()
  // In order with the outcomes: logged before the flush resolved.
  const requests = () => lines.filter(([, m]) => m.startsWith('POST /v1/batch: '))
  assert.equal((await plane.requests()).length, 3)
  assert.deepStrictEqual(requests().map(([level]) => level), ['debug', 'debug', 'debug'])
  assert.deepStrictEqual(requests().map(([, m]) => m.match(/attempt \d+: status \d+/)[0]),
    ['attempt 1: status 503', 'attempt 2: status 503', 'attempt 3: status 200'])
  const retries = lines.filter(([, m]) => m.startsWith('retrying '))
  assert.equal(retries.length, 2)
  assert.match(retries[0][1], /^retrying 3 events in \d+ ms \(attempt 1: status 503\)$/)
  await client.close()
})

test('log records past the bound are dropped, and the next line says how many', async () => {
  const lines = []
  const logger = Object.fromEntries(['debug', 'info', 'warn', 'error'].map((l) => [l, (m) => lines.push([l, m])]))
  await plane.fault({ status: 503, every: 1 })
  const client = new Client({ writeKey: WRITE_KEY, dataPlaneUrl: plane.url, logger, retry: { initialBackoff: 1, maxBackoff: 1 } })
  client.group({ groupId: 'g', userId: 'u' })
  // The main thread does not yield while 300 requests are made: at most 256 records wait.
  const pause = new Int32Array(new SharedArrayBuffer(4))
  while (client.stats.batches < 300) Atomics.wait(pause, 0, 0, 5)
  await plane.clearFaults()
  assert.deepStrictEqual(await client.flush(), { delivered: 1, failed: 0, dropped: 0 })
  const { batches, retried } = client.stats
  const records = () => lines.filter(isRecord).length
  const dropped = () => lines.filter(([, m]) => m.endsWith('log records dropped: the main thread fell behind'))
    .reduce((n, [, m]) => n + Number(m.split(' ')[0]), 0)
  await drain(() => records() + dropped() === batches + retried)
  assert.ok(dropped() >= 300 - 256, `${dropped()} dropped, ${records()} records, ${batches} requests, ${retried} retried: ${JSON.stringify(lines.slice(-3))}`)
  assert.equal(records() + dropped(), batches + retried)
  await client.close()
})

test('console is a logger; a logger without any method is INVALID_CONFIG', () => {
  const client = new Client({ writeKey: WRITE_KEY, transport: 'memory', logger: console })
  client.close()
  assert.throws(() => new Client({ writeKey: WRITE_KEY, transport: 'memory', logger: {} }),
    (err) => err.code === 'INVALID_CONFIG' && err.setting === 'logger')
})

test('DEBUG names as the debug package reads them', () => {
  assert.ok(debugNames('rudder-group'))
  assert.ok(debugNames('express,rudder-*'))
  assert.ok(debugNames('*'))
  assert.ok(!debugNames('*,-rudder-group'))
  assert.ok(!debugNames('rudder'))
  assert.ok(!debugNames(undefined))
})

const SCRIPT = `
  const { Client } = require('rudder-group')
  const client = new Client({ writeKey: process.env.KEY, dataPlaneUrl: process.env.URL })
  ;(async () => {
    for (let round = 0; round < 3; round++) {
      client.group({ groupId: 'g', userId: 'u' + round })
      await client.flush()
    }
  })()
`

test('with neither logger nor onOutcome, a failure warns once per kind', async () => {
  const r = await runNode(['-e', SCRIPT], { env: { KEY: 'a-secret-write-key', URL: plane.url, DEBUG: '' } })
  assert.equal(r.code, 0, r.stderr)
  const warnings = r.stderr.split('\n').filter((l) => l.includes('RudderGroupWarning'))
  assert.equal(warnings.length, 1, r.stderr)
  assert.match(warnings[0], /1 event failed after 1 attempt \(status 401: invalid write key\)/)
  assert.ok(!r.stderr.includes('a-secret-write-key'))
  assert.equal((await plane.requests()).length, 3)
})

test('DEBUG=rudder-group writes every line to stderr', async () => {
  const r = await runNode(['-e', SCRIPT], { env: { KEY: WRITE_KEY, URL: plane.url, DEBUG: 'rudder-group' } })
  assert.equal(r.code, 0, r.stderr)
  const lines = r.stderr.trim().split('\n')
  assert.equal(lines.filter((l) => /^rudder-group debug: 1 event delivered after 1 attempt/.test(l)).length, 3, r.stderr)
  assert.equal(lines.filter((l) => l === 'rudder-group debug: flush: 1 delivered, 0 failed, 0 dropped').length, 3, r.stderr)
  assert.ok(!r.stderr.includes('RudderGroupWarning'))
})

test('an onOutcome sees failures: no warning', async () => {
  const r = await runNode(['-e', SCRIPT.replace('dataPlaneUrl: process.env.URL', 'dataPlaneUrl: process.env.URL, onOutcome: () => {}')],
    { env: { KEY: 'bad', URL: plane.url, DEBUG: '' } })
  assert.equal(r.code, 0, r.stderr)
  assert.ok(!r.stderr.includes('RudderGroupWarning'), r.stderr)
})
