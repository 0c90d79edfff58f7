'use strict'
// Every shared vector, through the parse entry point (GroupEvent.fromJSON), and the `input`
// payloads also as JS objects through validate().

const test = require('node:test')
const assert = require('node:assert/strict')
const { GroupEvent, validate, RudderGroupError } = require('rudder-group')
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
