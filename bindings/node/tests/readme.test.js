'use strict'
// The README's example, run as it is written against the local data plane.

const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const { PACKAGE, startDataPlane, runNode, WRITE_KEY } = require('./helpers.js')

test("the README's example runs and delivers", async () => {
  const readme = fs.readFileSync(path.join(PACKAGE, 'README.md'), 'utf8')
  const blocks = [...readme.matchAll(/```js\n([^]*?)```/g)].map((m) => m[1])
  assert.equal(blocks.length, 1)
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
