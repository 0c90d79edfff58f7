'use strict'
// Every shared vector, through the parse entry point (GroupEvent.fromJSON), and the `input`
// payloads also as JS objects through validate(), GroupEvent.build() and client.group().

const test = require('node:test')
const assert = require('node:assert/strict')
const { Client, GroupEvent, validate, RudderGroupError } = require('rudder-group')
const { vectorFiles, PACKAGE_VERSION } = require('./helpers.js')

const LIBRARY = { name: 'rudder-group-node', version: PACKAGE_VERSION }

function options (opts) {
  if (!opts) return undefined
  const out = {}
  if (opts.lenient !== undefined) out.validation = opts.lenient ? 'lenient' : 'strict'
  if (opts.max_event_bytes !== undefined) out.maxEventBytes = opts.max_event_bytes
  return out
}

// The core's wording is compared too: a message that drifts in one binding fails here.
const codesAndPaths = (issues) => issues.map(({ code, path, message }) => ({ code, path, message }))

function expectedEvent (expected) {
  const event = structuredClone(expected)
  event.context.library = LIBRARY
  return event
}

const files = vectorFiles()

test('the shared vectors are there', () => {
  assert.ok(files.length >= 8, `found ${files.length} vector files`)
  assert.ok(files.every((f) => f.cases.length > 0))
})

for (const { file, cases } of files) {
  test(`vectors: ${file}`, async (t) => {
    for (const c of cases) {
      await t.test(c.name, () => {
        const text = c.input_text !== undefined ? c.input_text : JSON.stringify(c.input)
        const opts = options(c.options)
        const warnings = c.expected_warnings || []
        if (c.expected !== undefined) {
          const event = GroupEvent.fromJSON(text, opts)
          const want = expectedEvent(c.expected)
          const got = event.toJSON()
          assert.deepStrictEqual(got, want)
          assert.deepStrictEqual(Object.keys(got), Object.keys(want))
          assert.deepStrictEqual(codesAndPaths(event.warnings), warnings)
          assert.equal(event.messageId, want.messageId)
        } else {
          assert.throws(() => GroupEvent.fromJSON(text, opts), (err) => {
            assert.ok(err instanceof RudderGroupError)
            assert.deepStrictEqual(codesAndPaths(err.issues), [...c.expected_error, ...warnings])
            assert.equal(err.code, c.expected_error[0].code)
            return true
          })
        }
        // The same verdict from JSON text through validate().
        const all = c.expected !== undefined ? warnings : [...c.expected_error, ...warnings]
        assert.deepStrictEqual(codesAndPaths(validate(text, opts)), all)
        // And from the payload as a JS object: the conversion of JS values agrees with the parser.
        if (typeof c.input === 'string') {
          // validate() reads a string as JSON text, so this input is text, not a value: only
          // its verdict is the same (the message says why the text is not JSON).
          const strip = (issues) => issues.map(({ code, path }) => ({ code, path }))
          assert.deepStrictEqual(strip(validate(c.input, opts)), strip(all))
        } else if (c.input !== undefined) {
          assert.deepStrictEqual(codesAndPaths(validate(c.input, opts)), all)
        }
      })
    }
  })
}

// The same vectors through the call entry points, GroupEvent.build() and client.group() (which
// write a call's objects straight to canonical bytes), for every case whose payload is an object
// with only the keys a call takes: build() gives the expected bytes exactly, and group() sends
// the same event.
const CALL_KEYS = new Set(['messageId', 'groupId', 'userId', 'anonymousId', 'traits', 'context',
  'integrations', 'originalTimestamp'])
const isCall = (c) => c.input !== null && typeof c.input === 'object' && !Array.isArray(c.input) &&
  Object.keys(c.input).every((k) => CALL_KEYS.has(k))
const callCases = files.flatMap(({ cases }) => cases.filter(isCall))

test('most vectors run as calls', () => {
  assert.ok(callCases.length > 150, `${callCases.length} cases run as calls`)
})

function clientOptions (opts) {
  return { writeKey: 'test-write-key', transport: 'memory', ...options(opts) }
}

test('vectors through GroupEvent.build and client.group', async (t) => {
  for (const c of callCases) {
    await t.test(c.name, async () => {
      const before = JSON.stringify(c.input)
      const opts = options(c.options)
      const warnings = c.expected_warnings || []
      const client = new Client(clientOptions(c.options))
      try {
        if (c.expected !== undefined) {
          const want = JSON.stringify(expectedEvent(c.expected))
          const event = GroupEvent.build(c.input, opts)
          assert.equal(event.toString(), want)
          assert.deepStrictEqual(codesAndPaths(event.warnings), warnings)
          assert.equal(client.group(c.input), c.expected.messageId)
          await client.flush()
          const sent = client.sentEvents()
          assert.equal(sent.length, 1)
          delete sent[0].sentAt
          assert.equal(JSON.stringify(sent[0]), want)
        } else {
          const refused = (err) => {
            assert.deepStrictEqual(codesAndPaths(err.issues), [...c.expected_error, ...warnings])
            return true
          }
          assert.throws(() => GroupEvent.build(c.input, opts), refused)
          assert.throws(() => client.group(c.input), refused)
          await client.flush()
          assert.deepStrictEqual(client.sentEvents(), [])
        }
      } finally {
        await client.close()
      }
      assert.equal(JSON.stringify(c.input), before)
    })
  }
})
