'use strict'
// Process exit: a script that sends and simply ends delivers everything; the client never keeps
// a process alive. Each case runs in a child process.

const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { Client } = require('rudder-group')
const { startDataPlane, unusedUrl, runNode, WRITE_KEY } = require('./helpers.js')

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

/** Runs exit-lost.cjs with 100 events for a data plane that is down; its last stdout line is what it saw. */
async function loseAtExit (env) {
  const r = await runNode([fixture('exit-lost.cjs')], {
    env: { RUDDER_DATA_PLANE_URL: await unusedUrl(), EVENTS: '100', DEBUG: '', ...env }
  })
  assert.equal(r.code, 0, r.stderr)
  const lines = r.stdout.trim().split('\n')
  return { ...r, seen: JSON.parse(lines[lines.length - 1]), lines }
}

test('events left at exit with the data plane down: onOutcome and the callbacks see each one dropped, and stderr says how many', async () => {
  for (const exitNow of ['', '1']) {
    const r = await loseAtExit({ SEEN: '1', EXIT_NOW: exitNow })
    assert.deepStrictEqual(r.seen, { outcomes: 100, dropped: 100, callbacks: 100, errors: 100 }, r.stderr)
    assert.match(r.stderr, /^rudder-group: at exit, 100 events were not delivered within 300 ms: 100 dropped \(.+\)$/m)
  }
})

test('with no onOutcome and no logger, a loss at exit is still said on stderr', async () => {
  const r = await loseAtExit({})
  assert.match(r.stderr, /^rudder-group: at exit, 100 events were not delivered within 300 ms: 100 dropped \(.+\)$/m)
})

test('with a logger, a loss at exit is said through it, not on stderr', async () => {
  const r = await loseAtExit({ LOGGER: '1' })
  assert.equal(r.lines.filter((l) => /^logger warn: at exit, 100 events were not delivered within 300 ms: 100 dropped \(.+\)$/.test(l)).length, 1, r.stdout)
  assert.doesNotMatch(r.stderr, /at exit/)
  // It stands for the native client's own line about the close.
  assert.ok(!r.lines.some((l) => /^logger warn: close:/.test(l)), r.stdout)
})

test('with a spool, the events left at exit stay in it, the line says so, and the next client sends them', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rudder-group-exit-'))
  try {
    const r = await loseAtExit({ SEEN: '1', SPOOL_DIR: dir })
    assert.deepStrictEqual(r.seen, { outcomes: 0, dropped: 0, callbacks: 0, errors: 0 }, r.stderr)
    assert.match(r.stderr, /^rudder-group: at exit, 100 events were not delivered within 300 ms: 100 kept in the spool for the next client$/m)
    const client = new Client({ writeKey: WRITE_KEY, dataPlaneUrl: plane.url, spoolDir: dir })
    assert.deepStrictEqual(await client.flush(), { delivered: 100, failed: 0, dropped: 0 })
    assert.equal(client.stats.recovered, 100)
    await client.close()
    assert.equal((await plane.events()).length, 100)
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
})
