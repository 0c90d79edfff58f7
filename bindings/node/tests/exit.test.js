'use strict'
// Process exit: a script that sends and simply ends delivers everything; the client never keeps
// a process alive. Each case runs in a child process.

const test = require('node:test')
const assert = require('node:assert/strict')
const path = require('node:path')
const { startDataPlane, runNode, WRITE_KEY } = require('./helpers.js')

let plane
test.before(async () => { plane = await startDataPlane() })
test.after(async () => { await plane.stop() })
test.beforeEach(async () => { await plane.clearFaults(); await plane.reset() })

const fixture = (name) => path.join(__dirname, 'fixtures', name)

async function sendAndEnd (script, env = {}) {
  const r = await runNode([fixture(script)], {
    env: { RUDDER_WRITE_KEY: WRITE_KEY, RUDDER_DATA_PLANE_URL: plane.url, EVENTS: '40', ...env }
  })
  assert.equal(r.code, 0, r.stderr)
  const ids = JSON.parse(r.stdout.trim().split('\n')[0])
  assert.equal(ids.length, 40)
  const received = (await plane.events()).map((e) => e.messageId)
  assert.deepStrictEqual(received.sort(), ids.sort())
  return r
}

test('a script that calls group() and simply ends delivers everything (beforeExit)', async () => {
  await sendAndEnd('exit-ends.cjs')
})

test('process.exit() right after group() still delivers (the synchronous exit flush)', async () => {
  await sendAndEnd('exit-ends.cjs', { EXIT_NOW: '1' })
})

test('the ESM entry point delivers at exit too', async () => {
  await sendAndEnd('exit-ends.mjs')
})

test('a data plane that is not there delays exit at most by shutdownTimeout, and exit still comes', async () => {
  const r = await runNode([fixture('exit-unreachable.cjs')])
  assert.equal(r.code, 0, r.stderr)
  assert.equal(JSON.parse(r.stdout).enqueued, 1)
})

test('a delivery failure while the process ends is an outcome, never an unhandled rejection', async () => {
  const r = await runNode(['--unhandled-rejections=strict', fixture('exit-refused.cjs')], {
    env: { RUDDER_DATA_PLANE_URL: plane.url }
  })
  assert.equal(r.code, 0, r.stderr)
  assert.deepStrictEqual(JSON.parse(r.stdout.trim().split('\n')[0]), { kind: 'failed', status: 401 })
  assert.doesNotMatch(r.stderr, /Unhandled/i)
})

test('an idle client, its outcome callback and a collected client keep nothing alive', async () => {
  const r = await runNode(['--expose-gc', '-e', `require(${JSON.stringify(fixture('exit-idle.cjs'))}); global.gc()`])
  assert.equal(r.code, 0, r.stderr)
  assert.equal(r.stdout.trim(), 'false')
})
