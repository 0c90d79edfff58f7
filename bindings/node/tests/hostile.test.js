'use strict'
// Hostile values meet a bound (size, depth, cycle), and a call's unknown keys are refused.

const test = require('node:test')
const assert = require('node:assert/strict')
const { GroupEvent, Client, validate, RudderGroupError } = require('rudder-group')

const base = { groupId: 'g-1', userId: 'u-1', messageId: 'm-1', timestamp: '2022-02-01T19:14:18.381Z' }

/** The error a call throws (it must throw a RudderGroupError). */
function thrown (fn) {
  try {
    fn()
  } catch (err) {
    assert.ok(err instanceof RudderGroupError, `not a RudderGroupError: ${err}`)
    return err
  }
  assert.fail('the call did not throw')
}

const codesAndPaths = (err) => err.issues.map(({ code, path }) => [code, path])

function doubling (levels) {
  let d = 'x'
  for (let i = 0; i < levels; i++) d = [d, d]
  return d
}

/** A proxy whose every property is a new proxy of the same kind, without end. */
function endlessProxy () {
  return new Proxy({}, {
    ownKeys: () => ['a', 'b', 'c'],
    getOwnPropertyDescriptor: () => ({ value: undefined, enumerable: true, configurable: true, writable: true }),
    get: () => endlessProxy()
  })
}

test('shared references that double at every level stop at the size limit', () => {
  const err = thrown(() => GroupEvent.build({ ...base, traits: { d: doubling(30) } }))
  assert.equal(err.code, 'EVENT_TOO_LARGE')
  assert.deepStrictEqual(codesAndPaths(err), [['EVENT_TOO_LARGE', '']])
  assert.deepStrictEqual(validate({ ...base, context: { d: doubling(30) } }).map((i) => i.code), ['EVENT_TOO_LARGE'])
})

test('a huge array stops at the size limit', () => {
  const err = thrown(() => GroupEvent.build({ ...base, traits: { big: new Array(1e7).fill(0) } }))
  assert.deepStrictEqual(codesAndPaths(err), [['EVENT_TOO_LARGE', '']])
  // A sparse array of 2^32 - 1 holes is as long as an array can be; its holes are nulls.
  const sparse = thrown(() => GroupEvent.build({ ...base, traits: { holes: new Array(2 ** 32 - 1) } }))
  assert.deepStrictEqual(codesAndPaths(sparse), [['EVENT_TOO_LARGE', '']])
})

test('a proxy that makes a new proxy for every property stops', () => {
  const err = thrown(() => GroupEvent.build({ ...base, traits: { p: endlessProxy() } }))
  assert.ok(['EVENT_TOO_LARGE', 'TOO_DEEP'].includes(err.code), err.code)
  assert.deepStrictEqual(codesAndPaths(err), [['EVENT_TOO_LARGE', '']])
  // With one property per level the size limit is never reached: depth ends it.
  const narrow = () => new Proxy({}, {
    ownKeys: () => ['n'],
    getOwnPropertyDescriptor: () => ({ value: undefined, enumerable: true, configurable: true, writable: true }),
    get: () => narrow()
  })
  const deep = thrown(() => GroupEvent.build({ ...base, traits: { p: narrow() } }))
  assert.deepStrictEqual(codesAndPaths(deep), [['TOO_DEEP', '/traits/p' + '/n'.repeat(62)]])
})

test('problems found before the size limit come after EVENT_TOO_LARGE', () => {
  const err = thrown(() => GroupEvent.build({ ...base, traits: { n: NaN, f: () => 1, big: 'y'.repeat(40000), after: Infinity } }))
  assert.equal(err.code, 'EVENT_TOO_LARGE')
  assert.deepStrictEqual(codesAndPaths(err), [['EVENT_TOO_LARGE', ''], ['NON_FINITE_NUMBER', '/traits/n'], ['UNSUPPORTED_VALUE', '/traits/f']])
  assert.equal(err.issues[1].message, 'NaN is not a finite number; JSON cannot carry NaN or Infinity')
})

test('values under the limit are converted in full and the event is measured exactly', () => {
  const traits = { big: 'y'.repeat(40000) }
  const event = GroupEvent.build({ ...base, traits }, { maxEventBytes: 41000 })
  assert.deepStrictEqual(event.toJSON().traits, traits)
  // One byte short of the event as written: the values fit, the event (sentAt included) does not.
  const limit = Buffer.byteLength(event.toString()) - 1
  const err = thrown(() => GroupEvent.build({ ...base, traits }, { maxEventBytes: limit }))
  assert.deepStrictEqual(codesAndPaths(err), [['EVENT_TOO_LARGE', '']])
  // Its size is the event's with sentAt as it is sent.
  const size = limit + 1 + Buffer.byteLength('"sentAt":"2022-02-01T19:14:18.381Z",')
  assert.equal(err.issues[0].message, `the event is ${size} bytes serialized with sentAt, over the limit of ${limit} bytes`)
})

test('a bad timestamp is reported at /timestamp, the key the caller wrote', () => {
  for (const timestamp of ['yesterday', new Date(NaN), 1643742858]) {
    const err = thrown(() => GroupEvent.build({ groupId: 'g', userId: 'u', timestamp }))
    assert.deepStrictEqual(codesAndPaths(err), [['INVALID_TIMESTAMP', '/timestamp']], String(timestamp))
  }
  const err = thrown(() => GroupEvent.build({ groupId: 'g', userId: 'u', timestamp: 'yesterday' }))
  assert.match(err.issues[0].message, /^timestamp must be an RFC 3339 date-time/)
})

test('a call refuses unknown keys, naming the nearest known one', async () => {
  const err = thrown(() => GroupEvent.build({ groupId: '1', userId: 'u', trait: { name: 'Acme' } }))
  assert.equal(err.code, 'INVALID_FIELD_TYPE')
  assert.deepStrictEqual(codesAndPaths(err), [['INVALID_FIELD_TYPE', '/trait']])
  assert.match(err.issues[0].message, /did you mean "traits"\?/)
  const far = thrown(() => GroupEvent.build({ groupId: '1', userId: 'u', 'a/b': 1, colour: 'red' }))
  assert.deepStrictEqual(codesAndPaths(far), [['INVALID_FIELD_TYPE', '/a~1b'], ['INVALID_FIELD_TYPE', '/colour']])
  assert.doesNotMatch(far.issues[1].message, /did you mean/)

  const client = new Client({ writeKey: 'k', transport: 'memory' })
  try {
    const refused = thrown(() => client.group({ groupId: '1', userID: 'u' }))
    assert.deepStrictEqual(codesAndPaths(refused), [['INVALID_FIELD_TYPE', '/userID'], ['MISSING_IDENTITY', '/userId']])
    assert.match(refused.issues[0].message, /did you mean "userId"\?/)
    assert.equal(client.sentEvents().length, 0)
  } finally {
    await client.close()
  }
})

test('payloads as the data plane receives them keep unknown keys', () => {
  assert.deepStrictEqual(validate({ groupId: '1', userId: 'u', trait: { name: 'Acme' } }), [])
  const event = GroupEvent.fromJSON('{"groupId":"1","userId":"u","trait":{"name":"Acme"}}').toJSON()
  assert.deepStrictEqual(event.trait, { name: 'Acme' })
})
