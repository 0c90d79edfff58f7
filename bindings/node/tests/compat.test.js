'use strict'
// rudder-group/compat against the local data plane: the peer SDK's Analytics for group calls,
// and a script written for the peer that delivers with only its require line changed.

const test = require('node:test')
const assert = require('node:assert/strict')
const Analytics = require('rudder-group/compat')
const { RudderGroupError } = require('rudder-group')
const { startDataPlane, runNode, eventually, REPO, WRITE_KEY, PACKAGE_VERSION } = require('./helpers.js')

let plane
test.before(async () => { plane = await startDataPlane() })
test.after(async () => { await plane.stop() })
test.beforeEach(async () => { await plane.clearFaults(); await plane.reset() })

function make (options = {}) {
  const errors = []
  const analytics = new Analytics(WRITE_KEY, {
    dataPlaneUrl: plane.url,
    logLevel: 'none',
    errorHandler: (err) => errors.push(err),
    ...options
  })
  return { analytics, errors }
}

const traits = { name: 'MyGroup', industry: 'IT', employees: 450, plan: 'basic' }

test('group() returns this, and the event is sent on our wire', async () => {
  const { analytics, errors } = make()
  const when = new Date('2022-02-01T19:14:18.381Z')
  const same = analytics.group({
    userId: 'u1', groupId: '12345', traits, context: { ip: '1.2.3.4' }, timestamp: when, messageId: 'm-1'
  })
  assert.equal(same, analytics)
  const result = await analytics.flush()
  assert.deepStrictEqual(result, { delivered: 1, failed: 0, dropped: 0 })
  const [e] = await plane.events()
  assert.equal(e.messageId, 'm-1')
  assert.equal(e.timestamp, '2022-02-01T19:14:18.381Z')
  assert.deepStrictEqual(e.traits, traits)
  assert.equal(e.context.ip, '1.2.3.4')
  assert.deepStrictEqual(e.context.library, { name: 'rudder-group-node', version: PACKAGE_VERSION })
  assert.deepStrictEqual(e.integrations, { All: true })
  assert.deepStrictEqual(errors, [])
})

test("a timestamp is sent as the event's timestamp and stored unchanged, as the peer sends it", async () => {
  const { analytics, errors } = make()
  const before = Date.now()
  analytics.group({ userId: 'u', groupId: 'date', timestamp: new Date('2022-02-01T19:14:18.381Z') })
  // A string the core reads as an instant is kept as it is written.
  analytics.group({ userId: 'u', groupId: 'text', timestamp: '2022-02-01T20:14:18+01:00' })
  analytics.group({ userId: 'u', groupId: 'both', timestamp: new Date(0), originalTimestamp: '2021-01-01T00:00:00.000Z' })
  analytics.group({ userId: 'u', groupId: 'none' })
  assert.deepStrictEqual(await analytics.flush(), { delivered: 4, failed: 0, dropped: 0 })
  const sent = Object.fromEntries((await plane.requests()).flatMap((r) => r.events).map((e) => [e.groupId, e]))
  const stored = Object.fromEntries((await plane.events()).map((e) => [e.groupId, e]))
  assert.equal(stored.date.timestamp, '2022-02-01T19:14:18.381Z')
  assert.equal(stored.text.timestamp, '2022-02-01T20:14:18+01:00')
  assert.equal(stored.both.timestamp, '1970-01-01T00:00:00.000Z')
  assert.equal(stored.both.originalTimestamp, '2021-01-01T00:00:00.000Z')
  for (const groupId of ['date', 'text']) {
    // originalTimestamp is the time of the call, as the peer sets it.
    assert.ok(Date.parse(sent[groupId].originalTimestamp) >= before, sent[groupId].originalTimestamp)
    assert.equal(sent[groupId].timestamp, stored[groupId].timestamp)
  }
  // Without one, the event carries originalTimestamp and sentAt, and the data plane computes timestamp.
  assert.equal('timestamp' in sent.none, false)
  assert.ok(sent.none.originalTimestamp && sent.none.sentAt)
  assert.deepStrictEqual(errors, [])
})

test("a timestamp that is no instant is reported at /timestamp, as a parsed payload's", async () => {
  const { analytics, errors } = make()
  const seen = []
  analytics.group({ userId: 'u', groupId: 'g', timestamp: new Date(NaN) }, (err) => seen.push(err.code))
  assert.throws(() => analytics.group({ userId: 'u', groupId: 'g', timestamp: 'yesterday' }),
    (err) => err.code === 'INVALID_TIMESTAMP' && err.issues[0].path === '/timestamp')
  await eventually(() => seen.length === 1)
  assert.deepStrictEqual(seen, ['INVALID_TIMESTAMP'])
  assert.deepStrictEqual(errors.map((e) => [e.code, e.issues[0].path]), [['INVALID_TIMESTAMP', '/timestamp']])
  await analytics.flush()
  assert.deepStrictEqual(await plane.events(), [])
})

test("Client.group() keeps its rule: a timestamp is when the event happened, originalTimestamp", () => {
  const { Client } = require('rudder-group')
  const client = new Client({ writeKey: WRITE_KEY, transport: 'memory' })
  client.group({ userId: 'u', groupId: 'g', timestamp: new Date('2022-02-01T19:14:18.381Z') })
  // A payload with the compat layer's shape but another prototype is a call as any other.
  client.group(Object.assign(Object.create(null), { userId: 'u', groupId: 'h', timestamp: '2022-02-01T19:14:18.381Z' }))
  return client.flush().then(() => {
    const events = client.sentEvents()
    assert.deepStrictEqual(events.map((e) => [e.originalTimestamp, 'timestamp' in e]),
      Array(2).fill(['2022-02-01T19:14:18.381Z', false]))
    return client.close()
  })
})

test('number ids are sent as strings, as the peer sends them', async () => {
  const { analytics } = make()
  analytics.group({ userId: 42, groupId: 1.5 }).group({ anonymousId: 7.25, groupId: 9007199254740991 })
  await analytics.flush()
  const events = await plane.events()
  const byGroup = Object.fromEntries(events.map((e) => [e.groupId, e]))
  assert.equal(byGroup['1.5'].userId, '42')
  assert.equal(byGroup['9007199254740991'].anonymousId, '7.25')
})

test('callbacks: group(message, cb) once the event is delivered, flush(cb) with the result', async () => {
  const { analytics } = make({ flushInterval: 60_000 })
  const seen = []
  analytics.group({ userId: 'u', groupId: 'g' }, (err, outcome) => seen.push(['group', err, outcome.kind]))
  const promise = analytics.flush((err, result) => seen.push(['flush', err, result.delivered]))
  assert.ok(promise instanceof Promise)
  assert.deepStrictEqual(await promise, { delivered: 1, failed: 0, dropped: 0 })
  assert.deepStrictEqual(seen, [['group', undefined, 'delivered'], ['flush', undefined, 1]])
})

test('flush(x) with x not a function ignores it, as the peer ignores null: no unhandled rejection', async () => {
  const { analytics } = make({ flushInterval: 60_000 })
  const rejections = []
  const record = (reason) => rejections.push(reason)
  process.on('unhandledRejection', record)
  try {
    analytics.group({ userId: 'u', groupId: 'g' })
    // Called as scripts written for the peer call it: inside an async function, not awaited.
    const fireAndForget = async (x) => { analytics.flush(x) }
    for (const x of [5, 'now', { timeout: 10 }, null]) await fireAndForget(x)
    const results = await Promise.all([5, null, 0, false, ''].map((x) => analytics.flush(x)))
    // Each resolves as flush() does (the one event counted by whichever flush saw it first).
    assert.deepStrictEqual(results, results.map((r) => ({ delivered: r.delivered, failed: 0, dropped: 0 })))
    assert.ok(results.every((r) => r.delivered === 0 || r.delivered === 1))
    // An unhandled rejection is told once the turn it happened in ends.
    await new Promise((resolve) => setImmediate(resolve))
  } finally {
    process.off('unhandledRejection', record)
  }
  assert.deepStrictEqual(rejections, [])
  assert.deepStrictEqual(await plane.events().then((events) => events.map((e) => e.groupId)), ['g'])
})

test('where the peer threw, group() throws the core error with its code', () => {
  const { analytics } = make()
  const cases = [
    [undefined, 'INVALID_JSON'],
    [{ groupId: 'g' }, 'MISSING_IDENTITY'],
    [{ userId: 'u' }, 'MISSING_GROUP_ID'],
    [{ userId: 'u', groupId: 'g', context: 'x' }, 'INVALID_FIELD_TYPE'],
    [{ userId: { id: 1 }, groupId: 'g' }, 'INVALID_FIELD_TYPE']
  ]
  for (const [message, code] of cases) {
    assert.throws(() => analytics.group(message), (err) => err instanceof RudderGroupError && err.code === code,
      JSON.stringify(message))
  }
})

test('what the peer sent and the core refuses is reported, never thrown', async () => {
  const { analytics, errors } = make()
  const seen = []
  const logged = []
  const original = console.error
  console.error = (...args) => logged.push(args.join(' '))
  try {
    const loud = new Analytics(WRITE_KEY, { dataPlaneUrl: plane.url, logLevel: 'error' })
    loud.group({ userId: 'u', groupId: 'g', traits: { employees: -3 } })
  } finally {
    console.error = original
  }
  assert.equal(logged.length, 1)
  assert.match(logged[0], /\[rudder-group\] error: .*employees/)
  analytics.group({ userId: 'u', groupId: 'g', traits: { score: NaN } }, (err) => seen.push(err.code))
  analytics.group({ userId: 'u', groupId: 'g', traits: 'not an object' })
  await eventually(() => seen.length === 1)
  assert.deepStrictEqual(seen, ['NON_FINITE_NUMBER'])
  assert.deepStrictEqual(errors.map((e) => [e.code, e.issues[0].path]), [
    ['NON_FINITE_NUMBER', '/traits/score'],
    ['INVALID_FIELD_TYPE', '/traits']
  ])
  await analytics.flush()
  assert.deepStrictEqual(await plane.events(), [])
})

test("validation: 'lenient' sends what breaks only the reserved-trait rules, with a warning line", async () => {
  const warned = []
  const logged = []
  const original = { warn: console.warn, error: console.error }
  console.warn = (line) => warned.push(line)
  console.error = (line) => logged.push(line)
  let analytics, errors
  try {
    ({ analytics, errors } = make({ validation: 'lenient', logLevel: 'warn' }))
    analytics.group({ userId: 'u', groupId: 'lenient', traits: { employees: -5, name: 42 } })
    // What the data plane cannot take stays refused, lenient or not.
    analytics.group({ userId: 'u', groupId: 'nan', traits: { employees: -5, score: NaN } })
  } finally {
    Object.assign(console, original)
  }
  assert.equal(logged.length, 1)
  assert.match(logged[0], /\[rudder-group\] error: invalid group event .*NON_FINITE_NUMBER at \/traits\/score/)
  assert.deepStrictEqual(await analytics.flush(), { delivered: 1, failed: 0, dropped: 0 })
  const events = await plane.events()
  assert.deepStrictEqual(events.map((e) => [e.groupId, e.traits]), [['lenient', { employees: -5, name: 42 }]])
  assert.equal(warned.length, 1)
  assert.match(warned[0], new RegExp(`\\[rudder-group\\] warn: group call ${events[0].messageId} accepted with validation 'lenient' despite: ` +
    'INVALID_TRAIT at /traits/employees: .*; INVALID_TRAIT at /traits/name: '))
  assert.deepStrictEqual(errors.map((e) => [e.code, e.issues.map((i) => [i.code, i.path, i.severity])]), [
    ['NON_FINITE_NUMBER', [['NON_FINITE_NUMBER', '/traits/score', 'error'], ['INVALID_TRAIT', '/traits/employees', 'warning']]]
  ])

  // 'strict', the default, refuses it and tells errorHandler.
  const strict = make({ validation: 'strict' })
  strict.analytics.group({ userId: 'u', groupId: 'strict', traits: { employees: -5 } })
  await strict.analytics.flush()
  assert.deepStrictEqual(strict.errors.map((e) => e.code), ['INVALID_TRAIT'])
  assert.deepStrictEqual((await plane.events()).map((e) => e.groupId), ['lenient'])
  for (const enable of [true, false]) {
    assert.throws(() => make({ validation: 'loose', enable }),
      (err) => err.code === 'INVALID_CONFIG' && err.setting === 'validation' && /"strict" or "lenient"/.test(err.message))
  }
})

test('a failed delivery: errorHandler, the callback, and flush() rejecting without a handler', async () => {
  const bad = { dataPlaneUrl: plane.url, logLevel: 'none' }
  const errors = []
  const handled = new Analytics('bad-key', { ...bad, errorHandler: (err) => errors.push(err) })
  const outcomes = []
  handled.group({ userId: 'u', groupId: 'g' }, (err) => outcomes.push(err))
  assert.deepStrictEqual(await handled.flush(), { delivered: 0, failed: 1, dropped: 0 })
  assert.equal(errors.length, 1)
  assert.equal(errors[0].code, 'DELIVERY_FAILED')
  assert.match(errors[0].message, /status 401: invalid write key/)
  assert.equal(outcomes[0].code, 'DELIVERY_FAILED')

  const unhandled = new Analytics('bad-key', bad)
  unhandled.group({ userId: 'u', groupId: 'g' })
  await assert.rejects(unhandled.flush(), (err) => err.code === 'DELIVERY_FAILED' && err.failed === 1)
  unhandled.group({ userId: 'u', groupId: 'g' })
  const seen = []
  assert.equal(await unhandled.flush((err) => seen.push(err.code)), undefined)
  assert.deepStrictEqual(seen, ['DELIVERY_FAILED'])
})

test('the peer options map to ours', async () => {
  const { analytics } = make({ flushAt: 5, flushInterval: 60_000, retryCount: 0, timeout: '10s', gzip: false })
  for (let i = 0; i < 12; i++) analytics.group({ userId: 'one', groupId: `g${i}` })
  await analytics.flush()
  const sizes = (await plane.requests()).map((r) => r.events.length)
  assert.equal(sizes.reduce((a, b) => a + b, 0), 12)
  assert.ok(sizes.slice(0, -1).every((n) => n >= 5), String(sizes))
  assert.ok((await plane.requests()).every((r) => r.headers['content-encoding'] === undefined))

  await plane.reset()
  await plane.fault({ status: 500, next: 1 })
  const { analytics: once, errors } = make({ retryCount: 0 })
  once.group({ userId: 'u', groupId: 'g' })
  assert.deepStrictEqual(await once.flush(), { delivered: 0, failed: 1, dropped: 0 })
  assert.equal((await plane.requests()).length, 1)
  assert.equal(errors.length, 1)
})

test("retryCount: 3 rides through a data plane outage shorter than the peer's retry window", async () => {
  // The peer waited 200, 400 and 800 ms (each plus up to 20%) between its four requests: an
  // outage of 1 s from before the first ended before its last. Four requests of the Client's
  // own backoff (at most 100 + 200 + 400 ms apart) all fell inside it.
  const { analytics, errors } = make({ retryCount: 3 })
  await plane.fault({ outage_ms: 1000 })
  analytics.group({ userId: 'u', groupId: 'g', messageId: 'through-the-outage' })
  assert.deepStrictEqual(await analytics.flush(), { delivered: 1, failed: 0, dropped: 0 })
  assert.deepStrictEqual((await plane.events()).map((e) => e.messageId), ['through-the-outage'])
  assert.deepStrictEqual(errors, [])
})

test('enable: false validates and sends nothing', async () => {
  const { analytics } = make({ enable: false })
  const seen = []
  analytics.group({ userId: 'u', groupId: 'g' }, (...args) => seen.push(args))
  assert.throws(() => analytics.group({ groupId: 'g' }), { code: 'MISSING_IDENTITY' })
  assert.deepStrictEqual(await analytics.flush(), { delivered: 0, failed: 0, dropped: 0 })
  await new Promise((resolve) => setImmediate(resolve))
  assert.deepStrictEqual(seen, [[]])
  assert.deepStrictEqual(await plane.requests(), [])
})

test('bad options are refused with INVALID_CONFIG naming them', () => {
  const cases = [
    [[undefined, { dataPlaneUrl: 'http://x' }], 'writeKey'],
    [[WRITE_KEY, {}], 'dataPlaneUrl'],
    [[WRITE_KEY, { dataPlaneUrl: 'http://x', timeout: 'soon' }], 'timeout'],
    [[WRITE_KEY, { dataPlaneUrl: 'http://x', errorHandler: 5 }], 'errorHandler'],
    [[WRITE_KEY, { dataPlaneUrl: 'http://x', flushAt: 1e9 }], 'flushAt']
  ]
  for (const [args, setting] of cases) {
    assert.throws(() => new Analytics(...args), (err) => err.code === 'INVALID_CONFIG' && err.setting === setting, setting)
  }
})

test("a logLevel the peer did not know is read as the peer read it: error lines only, warned about once", async () => {
  const r = await runNode(['-e', `
    const Analytics = require('rudder-group/compat')
    for (const logLevel of ['silly', 'silly', 7]) {
      const client = new Analytics('k', { dataPlaneUrl: process.env.URL, logLevel, retryCount: 0 })
      client.group({ userId: 'u', groupId: 'g', traits: { employees: -1 } })
      client.group({ userId: 'u', groupId: 'sent' })
    }
  `], { env: { URL: plane.url } })
  assert.equal(r.code, 0, r.stderr)
  assert.equal(r.stderr.match(/logLevel 'silly' is not one of log, debug, info, warn, error, none: error lines only/g).length, 1, r.stderr)
  assert.equal(r.stderr.match(/logLevel number 7 is not one of/g).length, 1, r.stderr)
  // Each refusal is an error line; nothing at debug or info.
  assert.equal(r.stderr.match(/\[rudder-group\] error: .*INVALID_TRAIT/g).length, 3, r.stderr)
  assert.doesNotMatch(r.stdout + r.stderr, /\[rudder-group\] (debug|info):/)
})

test('an option that is not honoured is warned about once', async () => {
  const r = await runNode(['-e', `
    const Analytics = require('rudder-group/compat')
    for (let i = 0; i < 3; i++) new Analytics('k', { host: 'http://127.0.0.1:9', axiosConfig: {}, logLevel: 'none' })
  `])
  assert.equal(r.code, 0, r.stderr)
  assert.equal(r.stderr.match(/`axiosConfig` is not honoured/g).length, 1, r.stderr)
})

// One event sent twice (the data plane answers 503 first), one refused; LEVEL is the peer's logLevel.
const LOGGING_SCRIPT = `const Analytics = require('rudder-group/compat')
const options = { dataPlaneUrl: process.env.URL }
if (process.env.LEVEL) options.logLevel = process.env.LEVEL
const client = new Analytics(process.env.WRITE_KEY, options)
client.group({ userId: 'u', groupId: 'kept' })
client.group({ userId: 'u', groupId: 'refused', traits: { employees: -1 } })
client.flush().then((r) => { if (r.delivered !== 1) process.exitCode = 1 })
`

/** The console's lines of a run, stdout's then stderr's: [stream, level, message], the peer's format checked. */
function consoleLines (r) {
  return ['stdout', 'stderr'].flatMap((stream) => r[stream].split('\n').filter(Boolean).map((line) => {
    const m = /^\d{4}-\d\d-\d\dT[\d:.]+Z \[rudder-group\] (\w+): (.*)$/.exec(line)
    assert.ok(m, `${stream}: ${line}`)
    return [stream, m[1], m[2]]
  }))
}

test('logLevel: debug prints each request, retry and outcome; info, warn and error only failures; none nothing', async () => {
  const runs = {}
  for (const [name, env] of [['debug', { LEVEL: 'debug' }], ['log', { LEVEL: 'log' }], ['DEBUG', { DEBUG: 'rudder-group' }],
    ['info', { LEVEL: 'info' }], ['unset', {}], ['warn', { LEVEL: 'warn' }], ['error', { LEVEL: 'error' }], ['none', { LEVEL: 'none' }]]) {
    await plane.reset()
    await plane.fault({ status: 503, next: 1 })
    const r = await runNode(['-e', LOGGING_SCRIPT], { env: { WRITE_KEY, URL: plane.url, DEBUG: '', ...env } })
    assert.equal(r.code, 0, r.stderr)
    assert.ok(!(r.stdout + r.stderr).includes(WRITE_KEY))
    assert.deepStrictEqual((await plane.events()).map((e) => e.groupId), ['kept'], name)
    runs[name] = consoleLines(r)
  }
  const refused = ['stderr', 'error', runs.error[0]?.[2]]
  assert.match(refused[2], /^invalid group event \(1 problem\): INVALID_TRAIT at \/traits\/employees: /)
  for (const name of ['info', 'unset', 'warn', 'error']) assert.deepStrictEqual(runs[name], [refused], name)
  assert.deepStrictEqual(runs.none, [])
  const debug = runs.debug.map(([stream, level, message]) => [stream, level, message
    .replace(/[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}/, 'ID').replace(/\d+ bytes/, 'N bytes').replace(/\d+ ms/, 'N ms')])
  assert.deepStrictEqual(debug, [
    ['stdout', 'debug', 'queued group call ID'],
    ['stdout', 'debug', 'POST /v1/batch: 1 event, N bytes, attempt 1: status 503 in N ms'],
    ['stdout', 'debug', 'retrying 1 event in N ms (attempt 1: status 503)'],
    ['stdout', 'debug', 'POST /v1/batch: 1 event, N bytes, attempt 2: status 200 in N ms'],
    ['stdout', 'debug', '1 event delivered after 2 attempts (status 200)'],
    ['stdout', 'debug', 'flush: 1 delivered, 0 failed, 0 dropped'],
    refused
  ])
  for (const name of ['log', 'DEBUG']) assert.deepStrictEqual(runs[name].map(([s, l]) => [s, l]), runs.debug.map(([s, l]) => [s, l]), name)
})

test('logLevel: a failed delivery is an error line, once', async () => {
  const r = await runNode(['-e', `
    const Analytics = require('rudder-group/compat')
    const client = new Analytics('bad-key', { dataPlaneUrl: process.env.URL, logLevel: 'error', errorHandler: () => {} })
    client.group({ userId: 'u', groupId: 'g' })
    client.flush()
  `], { env: { URL: plane.url } })
  assert.equal(r.code, 0, r.stderr)
  assert.deepStrictEqual(consoleLines(r).map(([stream, level, message]) => [stream, level, message.replace(/: [^:]*$/, '')]),
    [['stderr', 'error', '1 event failed after 1 attempt (status 401: invalid write key)']])
})

// Written for @rudderstack/rudder-sdk-node; the test changes only its require line.
const PEER_SCRIPT = `const Analytics = require('@rudderstack/rudder-sdk-node')

const client = new Analytics(process.env.WRITE_KEY, { dataPlaneUrl: process.env.URL, flushAt: 20 })
let called = 0
client.group({ userId: 'user-7', groupId: 'acme', traits: { name: 'Acme', employees: 450 } }, (err) => {
  if (err) throw err
  called++
})
for (let i = 0; i < 49; i++) {
  client.group({ anonymousId: 'anon-' + i, groupId: i, traits: { n: i } })
}
client.flush().then(() => {
  console.log('callbacks', called)
  for (let i = 0; i < 50; i++) client.group({ userId: 'late', groupId: 'after-flush', traits: { i } })
  // No flush: delivery at exit.
})
`

for (const flavour of ['cjs', 'esm']) {
  test(`a script for the peer SDK delivers with only its require line changed (${flavour})`, async () => {
    let script = PEER_SCRIPT.replace("require('@rudderstack/rudder-sdk-node')", "require('rudder-group/compat')")
    assert.deepStrictEqual(script.split('\n').slice(1), PEER_SCRIPT.split('\n').slice(1))
    const args = ['-e', script]
    if (flavour === 'esm') {
      script = script.replace("const Analytics = require('rudder-group/compat')", "import Analytics from 'rudder-group/compat'")
      args.splice(0, 2, '--input-type=module', '-e', script)
    }
    const r = await runNode(args, { env: { WRITE_KEY, URL: plane.url } })
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /callbacks 1/)
    const events = await plane.events()
    assert.equal(events.length, 100)
    assert.equal(events.filter((e) => e.groupId === 'after-flush').length, 50)
    assert.deepStrictEqual(events.filter((e) => e.anonymousId).map((e) => Number(e.groupId)).sort((a, b) => a - b),
      Array.from({ length: 49 }, (_, i) => i))
  })
}

test("the migration guide's Node examples run", async () => {
  const guide = require('node:fs').readFileSync(require('node:path').join(REPO, 'docs', 'migrating.md'), 'utf8')
  const [before, ...after] = [...guide.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1])
  assert.match(before, /require\('@rudderstack\/rudder-sdk-node'\)/)
  assert.equal(after.length, 2)
  assert.equal(after[0], before.replace("require('@rudderstack/rudder-sdk-node')", "require('rudder-group/compat')"))
  for (const block of after) {
    const script = `const WRITE_KEY = process.env.WRITE_KEY; const DATA_PLANE_URL = process.env.URL;
      (async () => {\n${block}\n})().catch((err) => { console.error(err); process.exitCode = 1 })`
    const r = await runNode(['-e', script], { env: { WRITE_KEY, URL: plane.url } })
    assert.equal(r.code, 0, r.stderr)
  }
  const events = await plane.events()
  assert.deepStrictEqual(events.map((e) => [e.userId, e.groupId, e.traits]),
    Array(2).fill(['user-7', 'acme', { name: 'Acme', employees: 450 }]))
})
