'use strict'
// JS values into event values: what JSON can hold is kept, what it cannot is refused with a path.

const test = require('node:test')
const assert = require('node:assert/strict')
const { GroupEvent, RudderGroupError } = require('rudder-group')

const base = { groupId: 'g-1', userId: 'u-1', messageId: 'm-1', timestamp: '2022-02-01T19:14:18.381Z' }

/** The built event's traits, as canonical JSON text and as an object. */
function traitsOf (traits) {
  const event = GroupEvent.build({ ...base, traits })
  return { text: event.toString(), traits: event.toJSON().traits }
}

/** The code and path of every issue of a refused build. */
function refused (params) {
  try {
    GroupEvent.build(params)
  } catch (err) {
    assert.ok(err instanceof RudderGroupError, `not a RudderGroupError: ${err}`)
    return err.issues.map(({ code, path }) => [code, path])
  }
  assert.fail('the event was accepted')
}

test('strings, booleans, null, arrays and plain objects are kept as they are', () => {
  const value = { s: 'text', t: true, f: false, n: null, list: [1, 'a', [null], { k: 'v' }], obj: { a: { b: 'c' } } }
  assert.deepStrictEqual(traitsOf(value).traits, value)
})

test('numbers: integers without a fraction, others in their shortest form, -0 as 0', () => {
  const { text } = traitsOf({ i: 450, neg: -7, f: 1.5, small: 1e-7, zero: -0, big: 2 ** 64, huge: 1e21 })
  assert.match(text, /"i":450,"neg":-7,"f":1\.5,"small":1e-7,"zero":0,"big":18446744073709552000,"huge":1e\+21/)
})

test('integer ids become decimal strings; other numbers are not ids', () => {
  const event = GroupEvent.build({ groupId: 12345, userId: 0, anonymousId: -5, traits: { id: 7 } }).toJSON()
  assert.equal(event.groupId, '12345')
  assert.equal(event.userId, '0')
  assert.equal(event.anonymousId, '-5')
  assert.equal(event.traits.id, 7)
  assert.deepStrictEqual(refused({ groupId: 'g', userId: 1.5 }), [['INVALID_FIELD_TYPE', '/userId']])
  assert.deepStrictEqual(refused({ groupId: true, userId: 'u' }), [['INVALID_FIELD_TYPE', '/groupId']])
})

test('bigint is exact, as a number and as an id', () => {
  const big = 2n ** 100n + 1n
  const event = GroupEvent.build({ groupId: 12345678901234567890n, userId: 'u', traits: { big, neg: -big, zero: 0n } })
  assert.equal(event.toJSON().groupId, '12345678901234567890')
  assert.match(event.toString(), new RegExp(`"big":${big},"neg":-${big},"zero":0`))
})

test('undefined properties are left out, as JSON.stringify does; in arrays they are null', () => {
  const event = GroupEvent.build({ ...base, anonymousId: undefined, traits: { a: undefined, b: 1, list: [undefined, 2] }, context: undefined })
  const json = event.toJSON()
  assert.ok(!('anonymousId' in json))
  assert.deepStrictEqual(json.traits, { b: 1, list: [null, 2] })
  assert.deepStrictEqual(Object.keys(json.context), ['library'])
})

test('Date values become ISO-8601 UTC instants with milliseconds', () => {
  const when = new Date(Date.UTC(2022, 1, 1, 19, 14, 18, 381))
  const event = GroupEvent.build({ groupId: 'g', userId: 'u', timestamp: when, traits: { createdAt: when, dates: [new Date(0)] } })
  const json = event.toJSON()
  assert.equal(json.originalTimestamp, '2022-02-01T19:14:18.381Z')
  assert.equal(json.traits.createdAt, '2022-02-01T19:14:18.381Z')
  assert.deepStrictEqual(json.traits.dates, ['1970-01-01T00:00:00.000Z'])
  assert.deepStrictEqual(refused({ ...base, traits: { createdAt: new Date(NaN) } }), [['INVALID_TIMESTAMP', '/traits/createdAt']])
})

test('a Date outside years 0000 to 9999 is INVALID_TIMESTAMP: outside RFC 3339\'s range', () => {
  const issues = (params) => {
    try {
      GroupEvent.build(params)
    } catch (err) {
      return err.issues.map(({ code, path, message }) => [code, path, message])
    }
    assert.fail('the event was accepted')
  }
  const range = 'a date outside RFC 3339\'s range (years 0000 to 9999) has no timestamp form'
  const invalid = 'an invalid Date has no ISO-8601 form'
  // The largest and the smallest Date (years 275760 and -271821), and a millisecond past each end
  // of the range.
  // A call's fields are read in the order of the event's keys (traits before timestamp), as in
  // every binding, whatever order the caller wrote them in.
  for (const when of [new Date(8.64e15), new Date(-8.64e15), new Date(253402300800000), new Date(-62167219200001)]) {
    assert.deepStrictEqual(issues({ groupId: 'g', userId: 'u', timestamp: when, traits: { createdAt: when, list: [when] } }), [
      ['INVALID_TIMESTAMP', '/traits/createdAt', range],
      ['INVALID_TIMESTAMP', '/traits/list/0', range],
      ['INVALID_TIMESTAMP', '/timestamp', range]
    ], when.toISOString())
  }
  assert.deepStrictEqual(issues({ groupId: 'g', userId: 'u', timestamp: new Date(NaN), traits: { createdAt: new Date(NaN) } }), [
    ['INVALID_TIMESTAMP', '/traits/createdAt', invalid],
    ['INVALID_TIMESTAMP', '/timestamp', invalid]
  ])
  // The ends of the range are kept.
  const first = new Date(-62167219200000)
  const last = new Date(253402300799999)
  const json = GroupEvent.build({ groupId: 'g', userId: 'u', timestamp: last, traits: { createdAt: first } }).toJSON()
  assert.equal(json.originalTimestamp, '9999-12-31T23:59:59.999Z')
  assert.equal(json.traits.createdAt, '0000-01-01T00:00:00.000Z')
})

test('NaN and Infinity are NON_FINITE_NUMBER with their paths', () => {
  assert.deepStrictEqual(
    refused({ ...base, traits: { n: NaN, list: [1, Infinity] }, context: { x: { y: -Infinity } } }),
    [['NON_FINITE_NUMBER', '/traits/n'], ['NON_FINITE_NUMBER', '/traits/list/1'], ['NON_FINITE_NUMBER', '/context/x/y']]
  )
  assert.deepStrictEqual(refused({ ...base, traits: { employees: NaN } }), [['NON_FINITE_NUMBER', '/traits/employees']])
})

test('functions, symbols and class instances other than Date are UNSUPPORTED_VALUE', () => {
  class Company { constructor () { this.name = 'x' } }
  const values = {
    fn: () => 1,
    sym: Symbol('s'),
    map: new Map([['a', 1]]),
    set: new Set([1]),
    instance: new Company(),
    buffer: Buffer.from('ab'),
    bytes: new Uint8Array(2),
    regexp: /x/,
    boxed: new String('s'), // eslint-disable-line no-new-wrappers
    error: new Error('e'),
    promise: Promise.resolve(1),
    list: [() => 2]
  }
  const issues = refused({ ...base, traits: values })
  assert.deepStrictEqual(issues, Object.keys(values).map((k) => ['UNSUPPORTED_VALUE', k === 'list' ? '/traits/list/0' : `/traits/${k}`]))
  assert.throws(() => GroupEvent.build({ ...base, traits: { map: new Map() } }), /a value of type Map has no JSON form; pass strings/)
})

test('objects without a prototype, and proxies of plain objects, are plain objects', () => {
  const bare = Object.create(null)
  bare.k = 'v'
  const proxied = new Proxy({ p: 1 }, {})
  assert.deepStrictEqual(traitsOf({ bare, proxied }).traits, { bare: { k: 'v' }, proxied: { p: 1 } })
})

test('only own enumerable string keys are read, in property order', () => {
  const traits = { z: 1, a: 2 }
  traits[Symbol('hidden')] = 3
  Object.defineProperty(traits, 'secret', { value: 4, enumerable: false })
  assert.match(traitsOf(traits).text, /"traits":\{"z":1,"a":2\}/)
})

test('objects with a prototype that no constructor made are plain data: their own keys are read', () => {
  const defaults = { plan: 'basic', nested: { x: 1 } }
  const created = Object.create(defaults)
  created.name = 'Acme'
  const literal = { __proto__: defaults, employees: 3 }
  const chain = Object.create(Object.create(Object.create(null, { hidden: { value: 1, enumerable: true } })))
  chain.k = 'v'
  const params = Object.create({ ignored: 'inherited' })
  Object.assign(params, {
    ...base,
    traits: { created, literal, list: [Object.create(defaults)], chain },
    context: Object.create(defaults, { ip: { value: '1.2.3.4', enumerable: true } })
  })
  const json = GroupEvent.build(params).toJSON()
  assert.deepStrictEqual(json.traits, { created: { name: 'Acme' }, literal: { employees: 3 }, list: [{}], chain: { k: 'v' } })
  assert.equal(json.context.ip, '1.2.3.4')
  assert.ok(!('plan' in json.context))
  // The traits object itself may have one, and the reserved traits are checked as usual.
  const traits = Object.create(defaults)
  traits.employees = -1
  assert.deepStrictEqual(refused({ ...base, traits }), [['INVALID_TRAIT', '/traits/employees']])
  // What a constructor made is still refused, whatever its prototype inherits from.
  class Company {}
  class Startup extends Company {}
  function Legacy () { this.name = 'x' }
  const values = { instance: new Startup(), legacy: new Legacy(), fromMap: Object.create(Map.prototype), fn: Object.create(() => 1) }
  assert.deepStrictEqual(refused({ ...base, traits: values }), Object.keys(values).map((k) => ['UNSUPPORTED_VALUE', `/traits/${k}`]))
  assert.throws(() => GroupEvent.build({ ...base, traits: { s: new Startup() } }), /a value of type Startup has no JSON form/)
})

test('cycles are UNSUPPORTED_VALUE where the object repeats; shared objects are fine', () => {
  const a = { name: 'a' }
  a.self = a
  const list = []
  list.push(list)
  assert.deepStrictEqual(refused({ ...base, traits: { a, list } }), [['UNSUPPORTED_VALUE', '/traits/a/self'], ['UNSUPPORTED_VALUE', '/traits/list/0']])
  const params = { ...base, traits: {} }
  params.traits.back = params
  assert.deepStrictEqual(refused(params), [['UNSUPPORTED_VALUE', '/traits/back']])
  const shared = { k: 1 }
  assert.deepStrictEqual(traitsOf({ x: shared, y: [shared, shared] }).traits, { x: { k: 1 }, y: [{ k: 1 }, { k: 1 }] })
})

test('nesting deeper than 64 levels is TOO_DEEP at the first level too deep', () => {
  const root = {}
  let node = root
  for (let i = 0; i < 80; i++) { node.n = {}; node = node.n }
  // The payload is level 1, traits level 2: the container at level 65 is /traits + 63 × /n.
  assert.deepStrictEqual(refused({ ...base, traits: root }), [['TOO_DEEP', '/traits' + '/n'.repeat(63)]])
})

test('strings with a lone surrogate have no UTF-8 form: UNSUPPORTED_VALUE', () => {
  assert.deepStrictEqual(refused({ ...base, traits: { bad: 'a\ud800b', ['k\udc00']: 1 } }), [['UNSUPPORTED_VALUE', '/traits/bad'], ['UNSUPPORTED_VALUE', '/traits/k\ufffd']])
  // A real U+FFFD and paired surrogates are kept.
  assert.deepStrictEqual(traitsOf({ ok: '\ufffd 🚀' }).traits, { ok: '\ufffd 🚀' })
})

test('long strings and keys are read whole', () => {
  const long = 'é'.repeat(5000) + '🚀'
  const event = GroupEvent.build({ ...base, traits: { [long]: long } }, { maxEventBytes: 100000 })
  assert.deepStrictEqual(event.toJSON().traits, { [long]: long })
})

test('every problem of an event comes back together: conversion first, then validation', () => {
  assert.deepStrictEqual(
    refused({ traits: { f: () => 1, employees: -3 }, context: [] }),
    [['UNSUPPORTED_VALUE', '/traits/f'], ['MISSING_GROUP_ID', '/groupId'], ['MISSING_IDENTITY', '/userId'], ['INVALID_TRAIT', '/traits/employees'], ['INVALID_FIELD_TYPE', '/context']]
  )
})

test("the caller's objects are never changed", () => {
  const params = {
    groupId: 'g', userId: 'u', timestamp: new Date(0),
    traits: { name: 'n', address: { city: 'c' }, list: [1, { x: undefined }] },
    context: { ip: '1.2.3.4' },
    integrations: { All: false }
  }
  const before = structuredClone(params)
  const deepFreeze = (o) => { Object.values(o).forEach((v) => { if (v && typeof v === 'object') deepFreeze(v) }); return Object.freeze(o) }
  GroupEvent.build(deepFreeze(params))
  assert.deepStrictEqual(params, before)
  assert.ok(!('library' in params.context))
})

test('a getter that throws passes its exception through', () => {
  const traits = { get boom () { throw new RangeError('from the getter') } }
  assert.throws(() => GroupEvent.build({ ...base, traits }), { name: 'RangeError', message: 'from the getter' })
})

test('a payload that is not a plain object is INVALID_JSON', () => {
  for (const params of [null, undefined, 'text', 42, [], new Map(), () => 1]) {
    assert.deepStrictEqual(refused(params), [['INVALID_JSON', '']], String(params))
  }
})

test('timestamp is when the event happened; originalTimestamp says the same, so not both', () => {
  const event = GroupEvent.build({ groupId: 'g', userId: 'u', timestamp: '2022-02-01T20:14:18.381+01:00' }).toJSON()
  assert.equal(event.originalTimestamp, '2022-02-01T19:14:18.381Z')
  assert.ok(!('timestamp' in event))
  const alias = GroupEvent.build({ groupId: 'g', userId: 'u', originalTimestamp: '2022-02-01T19:14:18.381Z' }).toJSON()
  assert.equal(alias.originalTimestamp, '2022-02-01T19:14:18.381Z')
  assert.deepStrictEqual(refused({ ...base, originalTimestamp: '2022-02-01T19:14:18.381Z' }), [['INVALID_FIELD_TYPE', '/timestamp']])
})

test('toString is the canonical JSON of the core; toJSON makes JSON.stringify(event) work', () => {
  const event = GroupEvent.build({
    groupId: '12345',
    userId: 'u1',
    traits: { name: 'MyGroup', employees: 450 },
    messageId: '3f1a0c52-8d2e-4d8a-9f4e-7d1f2b6c9a10',
    timestamp: '2022-02-01T19:14:18.381Z'
  })
  const { version } = require('../package.json')
  assert.equal(
    event.toString(),
    '{"type":"group","messageId":"3f1a0c52-8d2e-4d8a-9f4e-7d1f2b6c9a10","groupId":"12345","userId":"u1",' +
    '"traits":{"name":"MyGroup","employees":450},' +
    `"context":{"library":{"name":"rudder-group-node","version":"${version}"}},"integrations":{"All":true},` +
    '"originalTimestamp":"2022-02-01T19:14:18.381Z","channel":"server"}'
  )
  assert.equal(String(event), event.toString())
  assert.equal(JSON.stringify(event), event.toString())
  assert.deepStrictEqual(JSON.parse(JSON.stringify({ event })).event, event.toJSON())
})

test('fromJSON keeps a payload as the data plane receives it, timestamp included', () => {
  const text = '{"groupId":"g","userId":"u","timestamp":"2022-02-01T19:14:18.381Z","originalTimestamp":"2022-02-01T19:14:17.000Z","custom":1}'
  const event = GroupEvent.fromJSON(text).toJSON()
  assert.equal(event.timestamp, '2022-02-01T19:14:18.381Z')
  assert.equal(event.originalTimestamp, '2022-02-01T19:14:17.000Z')
  assert.equal(event.custom, 1)
})

test('toJSON is never called: on a plain object it is a function property, on a Date it is ignored', () => {
  assert.deepStrictEqual(refused({ ...base, traits: { x: { toJSON: () => 'no' } } }), [['UNSUPPORTED_VALUE', '/traits/x/toJSON']])
  const when = new Date(Date.UTC(2022, 1, 1))
  when.toJSON = () => 'not a date'
  const saved = Date.prototype.toJSON
  Date.prototype.toJSON = () => 'nor this' // eslint-disable-line no-extend-native
  try {
    assert.deepStrictEqual(traitsOf({ when, plain: new Date(0) }).traits, { when: '2022-02-01T00:00:00.000Z', plain: '1970-01-01T00:00:00.000Z' })
  } finally {
    Date.prototype.toJSON = saved // eslint-disable-line no-extend-native
  }
})

test('strings and keys holding NUL, quotes, backslashes and control characters are kept exactly', () => {
  const odd = 'a\u0000b"c\\d\ne\u001ff\u2028'
  const traits = { [odd]: odd, list: [odd, '\u0000', ''], '': '' }
  const { text, traits: back } = traitsOf(traits)
  assert.deepStrictEqual(back, traits)
  assert.ok(text.includes(`"traits":${JSON.stringify(traits)}`), text)
})

test('a cycle is reported once, where it repeats, with the problems beside it', () => {
  const a = { n: NaN }
  a.self = a
  assert.deepStrictEqual(refused({ ...base, traits: { a } }), [['NON_FINITE_NUMBER', '/traits/a/n'], ['UNSUPPORTED_VALUE', '/traits/a/self']])
  // Nothing of the cycle is counted against the size limit.
  const big = { s: 'x'.repeat(1000) }
  big.self = big
  assert.deepStrictEqual(refused({ ...base, traits: { big } }), [['UNSUPPORTED_VALUE', '/traits/big/self']])
})

test('a proxy of an array is an array', () => {
  assert.deepStrictEqual(traitsOf({ p: new Proxy([1, { k: 2 }], {}) }).traits, { p: [1, { k: 2 }] })
})

test('values from another realm: a Date is a Date, a plain object is plain', () => {
  const vm = require('node:vm')
  const other = vm.runInNewContext('({ when: new Date(0), obj: { k: [1] } })')
  assert.deepStrictEqual(traitsOf(other).traits, { when: '1970-01-01T00:00:00.000Z', obj: { k: [1] } })
})

test('a getter may build another event while this one is read', () => {
  let inner
  const traits = {
    before: 1,
    get nested () {
      inner = GroupEvent.build({ ...base, traits: { deep: { x: [1, 2] } } }).toJSON().traits
      return 'n'
    },
    after: [3]
  }
  assert.deepStrictEqual(traitsOf(traits).traits, { before: 1, nested: 'n', after: [3] })
  assert.deepStrictEqual(inner, { deep: { x: [1, 2] } })
})

test('built-ins replaced after the package loaded do not change what is read', () => {
  const saved = { keys: Object.keys, indexOf: String.prototype.indexOf, getTime: Date.prototype.getTime }
  Object.keys = () => ['forged']
  String.prototype.indexOf = () => 0 // eslint-disable-line no-extend-native
  Date.prototype.getTime = () => 0 // eslint-disable-line no-extend-native
  let traits
  try {
    traits = traitsOf({ a: 'x', when: new Date(Date.UTC(2022, 1, 1)) }).traits
  } finally {
    Object.keys = saved.keys
    String.prototype.indexOf = saved.indexOf // eslint-disable-line no-extend-native
    Date.prototype.getTime = saved.getTime // eslint-disable-line no-extend-native
  }
  assert.deepStrictEqual(traits, { a: 'x', when: '2022-02-01T00:00:00.000Z' })
})

test("the value of a key a call does not take is not read", () => {
  let read = false
  const params = { groupId: 'g', userId: 'u', get trait () { read = true; return {} } }
  assert.deepStrictEqual(refused(params), [['INVALID_FIELD_TYPE', '/trait']])
  assert.equal(read, false)
})

test('the addon refuses text that lib/encode.js did not make, with an error and no crash', () => {
  const native = require('../index.js')
  const deep = '['.repeat(1000000)
  for (const bad of ['{"groupId\u0000', '{"a\u0000[1,', '{"a\u0000Q}', '{L99"x', '', 42, undefined,
    '{"traits\u0000' + deep, '{"traits\u0000{"\ud800\u0000' + deep]) {
    assert.throws(() => native.buildEvent(bad), (err) => err instanceof Error && !(err instanceof RudderGroupError), String(bad).slice(0, 40))
  }
})
