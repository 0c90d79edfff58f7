'use strict'
// The JS half of reading a caller's value: one walk in JS, where V8 reads properties fastest,
// that turns the value into one string saying what each value is. The addon takes the string in
// one Node-API call and applies every rule (src/convert/reader.rs has the grammar, and the
// reasons): this file decides nothing about what an event may hold. It tags what only JS can
// see (a bigint, a Date, a class instance and its name, a function, a symbol, a native
// external, a container met again inside itself, undefined) and leaves everything else to the
// core: which values are refused and how, lone surrogates (the string keeps them: the addon
// reads UTF-16), non-finite numbers (written as String(number) writes them), what is too deep
// or too large.
//
// The walk reads like JSON.stringify, minus toJSON: own enumerable string keys in property
// order (a call's own keys in the order of the event's keys, so that the addon writes each field
// straight into the event's bytes), array items by index up to length, getters and proxy traps
// run once each, in order;
// what they throw passes through. It never writes to the caller's objects. It stops by itself:
// no container past the core's depth limit is read (tag O or A), and once it has counted more
// than its bound (twice max_event_bytes: it counts at most what the core's budget counts, so the
// core's limit is met first; only text with a lone surrogate, which the core refuses without
// counting it, can make the bound come first) it writes T and reads nothing more.
//
// Which objects are plain data, read by their own keys: those whose prototype is null or some
// realm's Object.prototype, and those whose prototype no constructor made (`Object.create(p)`,
// `{ __proto__: p }`), however long the chain: every prototype on the way up to the chain's root
// (an object whose own prototype is null: some realm's Object.prototype, or a prototype-less
// object) has no own `constructor` that is a function. Their inherited keys are not read, as
// JSON.stringify does not read them. Everything else is what a constructor made, a class
// instance (tag U with the constructor's name): `new C()` for any class or constructor function,
// every built-in (Map, Set, Buffer, RegExp, Error, Promise, boxed primitives, typed arrays), an
// object whose prototype is one of theirs, and a chain longer than MAX_DEPTH links (only a proxy's
// trap makes one). A Date is a Date whatever its prototype. The prototypes' `constructor`
// descriptors are read, never their getters; other objects are told apart by their prototype
// chain, not by their internal slots, so a Map given a plain prototype is its own keys, as
// JSON.stringify reads it.
//
// Built-ins are taken once, when this file loads, so a program that replaces Object.keys or a
// prototype's method later does not change what is read.

const native = require('../index.js')
const { isDate, isExternal } = require('node:util').types

const MAX_DEPTH = native.MAX_DEPTH
const ObjectPrototype = Object.prototype
const getPrototypeOf = Object.getPrototypeOf
const ownDescriptor = Object.getOwnPropertyDescriptor
const ownKeys = Object.keys
const isArray = Array.isArray
const uncurry = Function.prototype.bind.bind(Function.prototype.call)
const dateValue = uncurry(Date.prototype.getTime)
const indexOf = uncurry(String.prototype.indexOf)

/**
 * The prototype of a call's arguments whose `timestamp` is the event's own, kept as given, and
 * not when it happened (`originalTimestamp`): rudder-group/compat sends a caller's timestamp as
 * the official SDK does. Such a payload is written after a `W` (src/convert/mod.rs). It is
 * plain data (no constructor) and is handed out by no public call, so `Client.group()` keeps
 * its rule; telling it apart costs the walk no read beyond the prototype it reads anyway.
 */
const TIMESTAMP_KEPT = Object.freeze(Object.create(null))

/** The keys of a call's arguments, in the order of the event's keys (the addon's CALL_KEYS). */
const CALL_ORDER = Object.freeze(native.callKeys())

/** Each call key's place in CALL_ORDER (no prototype: no other key is found). */
const CALL_INDEX = Object.freeze(
  Object.assign(Object.create(null), Object.fromEntries(CALL_ORDER.map((k, i) => [k, i])))
)

// The state of one walk. A getter may start another walk (a nested group() call): `encode`
// keeps the outer walk's state aside until the inner one ends.
let count = 0
let bound = 0
let ancestors = []
let busy = false

/** A string: as it is up to a NUL terminator, or with its length when it holds a NUL. */
function str (s) {
  return indexOf(s, '\0') === -1 ? '"' + s + '\0' : 'L' + s.length + '"' + s
}

function value (v, level) {
  switch (typeof v) {
    case 'string':
      count += v.length + 1
      return str(v)
    case 'number':
      count++
      return '' + v
    case 'boolean':
      count++
      return v ? 'true' : 'false'
    case 'undefined':
      return 'u'
    case 'object':
      if (v === null) {
        count++
        return 'null'
      }
      return object(v, level)
    case 'bigint':
      count++
      return 'B' + v
    case 'function':
      count++
      return 'F'
    default:
      count++
      return 'S'
  }
}

/** Whether `v` (an object, not an array, with prototype `proto`) is plain data (see the top). */
function isPlain (v, proto) {
  if (proto === ObjectPrototype) return true
  if (proto === null) return !isExternal(v)
  return !isDate(v) && noConstructor(proto)
}

/** Whether no prototype of the chain from `proto`, its root aside, has a constructor of its own. */
function noConstructor (proto) {
  let p = proto
  for (let links = 0; links < MAX_DEPTH; links++) {
    const next = getPrototypeOf(p)
    if (next === null) return true
    const own = ownDescriptor(p, 'constructor')
    if (own !== undefined && typeof own.value === 'function') return false
    p = next
  }
  return false
}

function object (v, level) {
  if (isArray(v)) return array(v, level)
  const proto = getPrototypeOf(v)
  if (isPlain(v, proto)) return plain(v, level)
  count++
  if (proto === null) return 'X'
  if (isDate(v)) return 'D' + dateValue(v)
  return 'U' + str(className(v))
}

/** `Map` for a Map; '' when there is no name to read (what a getter throws here is dropped). */
function className (v) {
  try {
    const ctor = v.constructor
    if (typeof ctor === 'function') {
      const name = ctor.name
      if (typeof name === 'string') return name
    }
  } catch {}
  return ''
}

/** Whether `v` is one of the containers it sits in (levels 1 to level - 1). */
function repeats (v, level) {
  for (let i = 0; i < level - 1; i++) {
    if (ancestors[i] === v) return true
  }
  return false
}

function array (v, level) {
  if (repeats(v, level)) return 'C'
  count++
  if (level > MAX_DEPTH) return 'A'
  ancestors[level - 1] = v
  const n = v.length
  let out = '['
  for (let i = 0; i < n; i++) {
    if (i > 0) out += ','
    count++
    out += value(v[i], level + 1)
    if (count > bound) return out + 'T'
  }
  return out + ']'
}

/** A plain object. */
function plain (v, level) {
  if (repeats(v, level)) return 'C'
  count++
  if (level > MAX_DEPTH) return 'O'
  ancestors[level - 1] = v
  const keys = ownKeys(v)
  let out = '{'
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]
    const x = v[k]
    if (x === undefined) {
      out += str(k) + 'u'
      continue
    }
    count += k.length + 1
    out += str(k) + value(x, 1 + level)
    if (count > bound) return out + 'T'
  }
  return out + '}'
}

/**
 * A call's arguments (a plain object): first its keys that are no call key, with their values
 * not read, then its call keys in the event's order, so that the addon writes each field
 * straight into the event's bytes. Only own enumerable keys are read, as by `plain`.
 */
function call (v) {
  count++
  ancestors[0] = v
  const keys = ownKeys(v)
  let out = '{'
  let given = 0
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]
    const at = CALL_INDEX[k]
    if (at === undefined) out += str(k) + 'u'
    else given |= 1 << at
  }
  for (let at = 0; at < CALL_ORDER.length; at++) {
    if ((given & (1 << at)) === 0) continue
    const k = CALL_ORDER[at]
    const x = v[k]
    if (x === undefined) {
      out += str(k) + 'u'
      continue
    }
    count += k.length + 1
    out += str(k) + value(x, 2)
    if (count > bound) return out + 'T'
  }
  return out + '}'
}

function walk (v, isCall) {
  if (isCall && typeof v === 'object' && v !== null && !isArray(v)) {
    const proto = getPrototypeOf(v)
    if (proto === TIMESTAMP_KEPT) return 'W' + call(v)
    if (isPlain(v, proto)) return call(v)
  }
  return value(v, 1)
}

/**
 * The encoded form of `v` for the addon. `maxEventBytes` bounds the reading; `isCall` says that
 * `v` holds a call's arguments (the value of a key that is not one of them is not read).
 */
function encode (v, maxEventBytes, isCall) {
  const limit = 2 * maxEventBytes + 1024
  if (busy) {
    const outer = { count, bound, ancestors }
    count = 0
    bound = limit
    ancestors = []
    try {
      return walk(v, isCall)
    } finally {
      ({ count, bound, ancestors } = outer)
    }
  }
  busy = true
  count = 0
  bound = limit
  try {
    return walk(v, isCall)
  } finally {
    busy = false
    ancestors.length = 0
  }
}

/** The reading bound of an event's options: their maxEventBytes when it is a number, else the default. */
function boundOf (options) {
  const given = options !== null && typeof options === 'object' ? options.maxEventBytes : undefined
  return typeof given === 'number' && given > 0 && given < Infinity ? given : native.DEFAULT_MAX_EVENT_BYTES
}

module.exports = { encode, boundOf, TIMESTAMP_KEPT }
