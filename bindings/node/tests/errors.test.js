'use strict'
// The error model: one class, stable codes, every issue of a refused event, settings named.

const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const { Client, GroupEvent, RudderGroupError, ERROR_CODES, validate, VERSION } = require('rudder-group')
const { PACKAGE, PACKAGE_VERSION } = require('./helpers.js')

/** The RudderGroupError that `fn` throws. */
function thrown (fn) {
  try {
    fn()
  } catch (err) {
    assert.ok(err instanceof RudderGroupError, `not a RudderGroupError: ${err && err.stack}`)
    return err
  }
  assert.fail('nothing was thrown')
}

test('ERROR_CODES lists the stable codes in number order, as the typings do', () => {
  assert.deepStrictEqual([...ERROR_CODES], [
    'MISSING_GROUP_ID', 'MISSING_IDENTITY', 'INVALID_FIELD_TYPE', 'INVALID_TRAIT', 'INVALID_TIMESTAMP',
    'NON_FINITE_NUMBER', 'UNSUPPORTED_VALUE', 'TOO_DEEP', 'EVENT_TOO_LARGE', 'INVALID_JSON',
    'CLIENT_CLOSED', 'QUEUE_FULL', 'FLUSH_TIMEOUT', 'DELIVERY_FAILED', 'INVALID_CONFIG'
  ])
  assert.ok(Object.isFrozen(ERROR_CODES))
  const dts = fs.readFileSync(path.join(PACKAGE, 'lib', 'rudder-group.d.ts'), 'utf8')
  const union = dts.match(/export type ErrorCode =([^]*?)\n\n/)[1]
  assert.deepStrictEqual([...union.matchAll(/'([A-Z_]+)'/g)].map((m) => m[1]), [...ERROR_CODES])
})

test('VERSION moves in lockstep with package.json', () => {
  assert.equal(VERSION, PACKAGE_VERSION)
})

test('a refused event is a RudderGroupError with the first code and every issue', () => {
  const err = thrown(() => GroupEvent.build({ traits: { employees: -3, website: 5 } }))
  assert.ok(err instanceof Error)
  assert.equal(err.name, 'RudderGroupError')
  assert.equal(err.code, 'MISSING_GROUP_ID')
  assert.deepStrictEqual(err.issues.map((i) => [i.code, i.path, i.severity]), [
    ['MISSING_GROUP_ID', '/groupId', 'error'],
    ['MISSING_IDENTITY', '/userId', 'error'],
    ['INVALID_TRAIT', '/traits/employees', 'error'],
    ['INVALID_TRAIT', '/traits/website', 'error']
  ])
  assert.ok(err.issues.every((i) => typeof i.message === 'string' && i.message.length > 0))
  assert.match(err.message, /4 problems/)
  assert.match(err.stack, /errors\.test\.js/)
})

test('lenient validation turns reserved-trait problems into warnings', () => {
  const params = { groupId: 'g', userId: 'u', traits: { employees: -3 } }
  const event = GroupEvent.build(params, { validation: 'lenient' })
  assert.deepStrictEqual(event.warnings.map((i) => [i.code, i.path, i.severity]), [['INVALID_TRAIT', '/traits/employees', 'warning']])
  assert.equal(event.toJSON().traits.employees, -3)
  assert.equal(thrown(() => GroupEvent.build(params, { validation: 'strict' })).code, 'INVALID_TRAIT')
  assert.deepStrictEqual(validate(params, { validation: 'lenient' }).map((i) => i.severity), ['warning'])
})

test('EVENT_TOO_LARGE follows maxEventBytes', () => {
  const params = { groupId: 'g', userId: 'u', traits: { pad: 'x'.repeat(500) } }
  assert.equal(thrown(() => GroupEvent.build(params, { maxEventBytes: 300 })).code, 'EVENT_TOO_LARGE')
  assert.ok(GroupEvent.build(params, { maxEventBytes: 1000 }))
})

test('fromJSON: text that is not a JSON object, or not text at all, is INVALID_JSON', () => {
  for (const text of ['{', '[]', '"s"', '', 42, null, {}]) {
    const err = thrown(() => GroupEvent.fromJSON(text))
    assert.equal(err.code, 'INVALID_JSON', String(text))
    assert.deepStrictEqual(err.issues.map((i) => i.path), [''])
  }
})

test('validate() returns the issues instead of throwing, and [] for a valid payload', () => {
  assert.deepStrictEqual(validate({ groupId: 'g', userId: 'u' }), [])
  assert.deepStrictEqual(validate('{"groupId":"g","anonymousId":"a"}'), [])
  assert.deepStrictEqual(validate({ userId: 'u' }).map((i) => i.code), ['MISSING_GROUP_ID'])
  assert.deepStrictEqual(validate(7).map((i) => i.code), ['INVALID_JSON'])
})

test('GroupEvent is only made by build and fromJSON', () => {
  assert.throws(() => new GroupEvent(), TypeError)
})

test('event options are checked: INVALID_CONFIG names the setting', () => {
  const params = { groupId: 'g', userId: 'u' }
  const cases = [
    [{ validation: 'loose' }, 'validation'],
    [{ maxEventBytes: -1 }, 'maxEventBytes'],
    [{ maxEventBytes: 1.5 }, 'maxEventBytes'],
    [{ lenient: true }, 'lenient'],
    ['strict', 'options']
  ]
  for (const [options, setting] of cases) {
    const err = thrown(() => GroupEvent.build(params, options))
    assert.equal(err.code, 'INVALID_CONFIG')
    assert.equal(err.setting, setting)
  }
})

test('client settings are checked: INVALID_CONFIG names the setting as the option is spelled', () => {
  const ok = { writeKey: 'k', dataPlaneUrl: 'http://127.0.0.1:9' }
  const cases = [
    [undefined, 'options'],
    [{ ...ok, writeKey: '' }, 'writeKey'],
    [{ ...ok, writeKey: 5 }, 'writeKey'],
    [{ ...ok, dataPlaneUrl: 'ftp://x' }, 'dataPlaneUrl'],
    [{ ...ok, flushAt: 0 }, 'flushAt'],
    [{ ...ok, flushAt: '10' }, 'flushAt'],
    [{ ...ok, flushInterval: 0 }, 'flushInterval'],
    [{ ...ok, flushInterval: -1 }, 'flushInterval'],
    [{ ...ok, maxBatchBytes: 5_000_000 }, 'maxBatchBytes'],
    [{ ...ok, maxQueueEvents: 0 }, 'maxQueueEvents'],
    [{ ...ok, overflow: 'wait' }, 'overflow'],
    [{ ...ok, gzip: 'yes' }, 'gzip'],
    [{ ...ok, gzipLevel: 10 }, 'gzipLevel'],
    [{ ...ok, retry: { maxAttempts: 0 } }, 'retry.maxAttempts'],
    [{ ...ok, retry: { tries: 3 } }, 'retry.tries'],
    [{ ...ok, maxEventBytes: 10 }, 'maxEventBytes'],
    [{ ...ok, proxy: 'not a url at all' }, 'proxy'],
    [{ ...ok, onOutcome: 'log' }, 'onOutcome'],
    [{ ...ok, transport: 'carrier-pigeon' }, 'transport'],
    [{ ...ok, flushAtt: 10 }, 'flushAtt']
  ]
  for (const [options, setting] of cases) {
    const err = thrown(() => new Client(options))
    assert.equal(err.code, 'INVALID_CONFIG', JSON.stringify(options))
    assert.equal(err.setting, setting, err.message)
    assert.match(err.message, new RegExp(setting.replace('.', '\\.')))
  }
})

// The same bad value gives the same message in every binding: the messages come from the client
// crate's settings table (Python's tests expect these very strings under snake_case names).
test('setting messages come from the settings table, worded as in every binding', () => {
  const ok = { writeKey: 'k', dataPlaneUrl: 'http://127.0.0.1:9' }
  const cases = [
    ['flushAt', -1, 'must be a whole number from 1 to 1000000, got -1'],
    ['gzipLevel', 1.5, 'must be a whole number from 0 to 9, got 1.5'],
    ['overflow', 'wait', 'must be "drop" or "block", got "wait"'],
    ['gzip', 1, 'must be true or false, got 1'],
    ['flushInterval', 0, 'must be a number of milliseconds more than 0 and at most 86400000, got 0'],
    ['blockTimeout', 1e19, 'must be a number of milliseconds from 0 to 86400000, got 10000000000000000000'],
    // The old name of blockTimeout is still read, and named as written.
    ['overflowTimeout', 1e19, 'must be a number of milliseconds from 0 to 86400000, got 10000000000000000000'],
    ['requestTimeout', Infinity, 'must be a number of milliseconds more than 0 and at most 86400000, got Infinity'],
    ['maxEventBytes', Number.MAX_SAFE_INTEGER, 'must be a whole number from 64 to 4095952, got 9007199254740991']
  ]
  for (const [setting, value, message] of cases) {
    const err = thrown(() => new Client({ ...ok, [setting]: value }))
    assert.equal(err.message, `invalid setting \`${setting}\`: ${message}`)
  }
  const unknown = thrown(() => new Client({ ...ok, flushAtt: 10 }))
  assert.equal(unknown.message, 'invalid setting `flushAtt`: is not a client setting (did you mean `flushAt`?)')
  // The peer SDK's logLevel: not the nearest setting's name (gzipLevel), but what takes its place.
  const peer = thrown(() => new Client({ ...ok, logLevel: 'debug' }))
  assert.equal(peer.setting, 'logLevel')
  assert.match(peer.message, /^invalid setting `logLevel`: is not a Client option: pass `logger` /)
  assert.match(peer.message, /rudder-group\/compat takes @rudderstack\/rudder-sdk-node's options, logLevel included$/)
  assert.doesNotMatch(peer.message, /gzipLevel/)
})

test('QUEUE_FULL when the queue is full and overflow is drop; CLIENT_CLOSED after close', async () => {
  const outcomes = []
  const client = new Client({
    writeKey: 'k',
    transport: 'memory',
    maxQueueEvents: 2,
    flushAt: 100,
    flushInterval: 3_600_000,
    onOutcome: (o) => outcomes.push(o)
  })
  // One identity: one lane, one batch, one outcome.
  client.group({ groupId: 'g', userId: 'u' })
  client.group({ groupId: 'g', userId: 'u' })
  const full = thrown(() => client.group({ groupId: 'g', userId: 'u' }))
  assert.equal(full.code, 'QUEUE_FULL')
  assert.equal(client.stats.dropped, 1)
  assert.deepStrictEqual(await client.close(), { delivered: 2, failed: 0, dropped: 1 })
  assert.equal(client.closed, true)
  assert.equal(thrown(() => client.group({ groupId: 'g', userId: 'u4' })).code, 'CLIENT_CLOSED')
  assert.deepStrictEqual(await client.close(), { delivered: 0, failed: 0, dropped: 0 })
  const kinds = outcomes.map((o) => o.kind).sort()
  assert.deepStrictEqual(kinds, ['delivered', 'dropped'])
})

test('overflow: block waits for room, then refuses with QUEUE_FULL', () => {
  const client = new Client({
    writeKey: 'k',
    transport: 'memory',
    maxQueueEvents: 1,
    flushAt: 100,
    flushInterval: 3_600_000,
    overflow: 'block',
    blockTimeout: 50
  })
  client.group({ groupId: 'g', userId: 'u1' })
  assert.equal(thrown(() => client.group({ groupId: 'g', userId: 'u2' })).code, 'QUEUE_FULL')
  return client.close()
})

test('a refused call leaves the client untouched', async () => {
  const client = new Client({ writeKey: 'k', transport: 'memory' })
  assert.equal(thrown(() => client.group({ groupId: 'g' })).code, 'MISSING_IDENTITY')
  assert.throws(() => client.enqueue({ groupId: 'g', userId: 'u' }), TypeError)
  assert.equal(client.stats.enqueued, 0)
  const id = client.enqueue(GroupEvent.build({ groupId: 'g', userId: 'u', messageId: 'fixed-id' }))
  assert.equal(id, 'fixed-id')
  await client.flush()
  assert.deepStrictEqual(client.sentEvents().map((e) => e.messageId), ['fixed-id'])
  await client.close()
})

test('flush and close check their options and reject, never throw', async () => {
  const client = new Client({ writeKey: 'k', transport: 'memory' })
  const pending = client.flush({ timeout: 'soon' })
  assert.ok(pending instanceof Promise)
  await assert.rejects(pending, (err) => err instanceof RudderGroupError && err.code === 'INVALID_CONFIG' && err.setting === 'timeout')
  await client.close()
})
