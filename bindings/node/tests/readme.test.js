'use strict'
// The README's examples, run as they are written against the local data plane.

const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const { PACKAGE, BIN, startDataPlane, runNode, WRITE_KEY } = require('./helpers.js')

/** The README's js blocks: its use, then its tests against rudder-group/testing. */
function examples () {
  const readme = fs.readFileSync(path.join(PACKAGE, 'README.md'), 'utf8')
  const blocks = [...readme.matchAll(/```js\n([^]*?)```/g)].map((m) => m[1])
  assert.equal(blocks.length, 2)
  return blocks
}

test("the README's example runs and delivers", async () => {
  const blocks = examples()
  const plane = await startDataPlane()
  try {
    // Run from the package folder, so that require('rudder-group') finds this package.
    const r = await runNode(['--input-type=commonjs', '-'], {
      input: blocks[0],
      env: { RUDDER_WRITE_KEY: WRITE_KEY, RUDDER_DATA_PLANE_URL: plane.url }
    })
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /^MISSING_GROUP_ID \[/m)
    assert.match(r.stdout, /INVALID_TRAIT at \/traits\/employees/)
    const id = r.stdout.match(/delivered 1 event\(s\), the first was (\S+)/)
    assert.ok(id, r.stdout)
    const events = await plane.events()
    assert.deepStrictEqual(events.map((e) => [e.messageId, e.groupId, e.traits.name]), [[id[1], '12345', 'MyGroup']])
  } finally {
    await plane.stop()
  }
})

test("the README's tests against rudder-group/testing run and pass", async () => {
  const [, tests] = examples()
  // The command this checkout built, where an installed package would find its own; the tests
  // report in TAP to this test, not to the runner of the suite (NODE_TEST_CONTEXT).
  const r = await runNode(['--test-reporter=tap', '--input-type=commonjs', '-'], {
    input: tests,
    env: { RUDDER_GROUP_BIN: BIN, NODE_TEST_CONTEXT: undefined }
  })
  assert.equal(r.code, 0, r.stdout + r.stderr)
  assert.match(r.stdout, /ok 1 - a signup sends one group call/)
  assert.match(r.stdout, /ok 2 - a failing data plane is retried/)
  assert.match(r.stdout, /^# pass 2$/m)
  assert.match(r.stdout, /^# fail 0$/m)
})
