'use strict'
// rudder-group/testing's LocalDataPlane: a client delivers to it, its admin API reads back and
// injects faults, a program that cannot run is named in the error, and its process never
// outlives it (stop(), the exit of its process, a SIGKILL of its process).

const test = require('node:test')
const assert = require('node:assert/strict')
const { spawn } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const readline = require('node:readline')
const { Client } = require('rudder-group')
const { LocalDataPlane, LocalDataPlaneError } = require('rudder-group/testing')
const { BIN, PACKAGE, runNode, unusedUrl, eventually } = require('./helpers.js')

const start = (options = {}) => LocalDataPlane.start({ binary: BIN, ...options })

/** Sends one event per user id through a real client and resolves its flush's result. */
async function send (plane, userIds, settings = {}) {
  const client = new Client({ writeKey: plane.writeKey, dataPlaneUrl: plane.url, ...settings })
  try {
    for (const userId of userIds) client.group({ groupId: 'acme', userId, traits: { plan: 'pro' } })
    return await client.flush({ timeout: 60000 })
  } finally {
    await client.close()
  }
}

const statuses = async (plane) => (await plane.requests()).map((r) => r.status)

/** Whether the process runs (a zombie, ended but not reaped by its new parent, does not). */
function alive (pid) {
  try {
    const state = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(')').pop().trim().split(' ')[0]
    return state !== 'Z' && state !== 'X'
  } catch (err) {
    if (err.code === 'ENOENT') return false
  }
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** A scratch directory removed after the test. */
function scratch (t) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rudder-group-testing-'))
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }))
  return dir
}

/** A shell script in `dir`, executable. */
function script (dir, name, body) {
  const file = path.join(dir, name)
  fs.writeFileSync(file, `#!/bin/sh\n${body}\n`, { mode: 0o755 })
  return file
}

test('a client delivers to it and events() reads the events back in arrival order', async () => {
  const plane = await start()
  try {
    assert.match(plane.url, /^http:\/\/127\.0\.0\.1:\d+$/)
    assert.match(plane.writeKey, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/)
    assert.equal(plane.binary, BIN)
    assert.equal(plane.stopped, false)
    const client = new Client({ writeKey: plane.writeKey, dataPlaneUrl: plane.url })
    // One identity: one lane, so the events arrive in the order they were sent.
    const ids = [
      client.group({ groupId: 'acme', userId: 'u1', traits: { plan: 'pro' } }),
      client.group({ groupId: 'acme', userId: 'u1', traits: { plan: 'max' } })
    ]
    assert.deepStrictEqual(await client.flush({ timeout: 60000 }), { delivered: 2, failed: 0, dropped: 0 })
    await client.close()
    const events = await plane.events()
    assert.deepStrictEqual(events.map((e) => e.messageId), ids)
    assert.deepStrictEqual(
      events.map((e) => [e.type, e.groupId, e.userId, e.traits.plan]),
      [['group', 'acme', 'u1', 'pro'], ['group', 'acme', 'u1', 'max']]
    )
    assert.ok(events.every((e) => typeof e.receivedAt === 'string'))
    const requests = await plane.requests()
    assert.ok(requests.length >= 1)
    assert.ok(requests.every((r) => r.status === 200 && r.path === '/v1/batch' && r.method === 'POST'))
    assert.deepStrictEqual(requests.flatMap((r) => r.events.map((e) => e.messageId)), ids)
    assert.deepStrictEqual(await plane.stats(), { requests: requests.length, events: 2 })
  } finally {
    await plane.stop()
  }
})

test('it accepts its own write key and no other', async () => {
  const [one, other] = await Promise.all([start(), start()])
  try {
    assert.notEqual(one.writeKey, other.writeKey)
    const result = await send(one, ['u1'], { writeKey: other.writeKey, retry: { maxAttempts: 1 } })
    assert.deepStrictEqual(result, { delivered: 0, failed: 1, dropped: 0 })
    assert.deepStrictEqual(await statuses(one), [401])
    assert.deepStrictEqual(await one.events(), [])
  } finally {
    await Promise.all([one.stop(), other.stop()])
  }
  const named = await start({ writeKey: 'my-key' })
  try {
    assert.equal(named.writeKey, 'my-key')
    assert.equal((await send(named, ['u1'])).delivered, 1)
  } finally {
    await named.stop()
  }
})

test('a fault is answered and the client retries through it; clearFaults() ends faults', async () => {
  const plane = await start()
  try {
    await plane.fault({ status: 503, next: 2 })
    const fast = { retry: { initialBackoff: 5, maxBackoff: 10 } }
    assert.equal((await send(plane, ['u1'], fast)).delivered, 1)
    assert.deepStrictEqual(await statuses(plane), [503, 503, 200])
    assert.equal((await plane.events()).length, 1)
    await plane.fault({ status: 500, retry_after: '0', requests: [1, 100], next: undefined, every: null })
    await plane.clearFaults()
    assert.equal((await send(plane, ['u2'])).delivered, 1)
    assert.deepStrictEqual(await statuses(plane), [503, 503, 200, 200])
    assert.deepStrictEqual((await plane.events()).map((e) => e.userId), ['u1', 'u2'])
  } finally {
    await plane.stop()
  }
})

test('a fault the data plane refuses rejects with its reason, and nothing is injected', async () => {
  const plane = await start()
  try {
    await assert.rejects(plane.fault({ status: 42 }), {
      name: 'TypeError', message: 'the data plane refused {"status":42}: "status" must be 200..=999'
    })
    const refused = (message) => ({ name: 'TypeError', message })
    await assert.rejects(plane.fault({ status: 500, latency_ms: 10 }), refused(/exactly one of/))
    await assert.rejects(plane.fault({ status: 429, retryAfter: 1 }), refused(/unknown key "retryAfter"/))
    await assert.rejects(plane.fault({}), refused(/exactly one of/))
    await assert.rejects(plane.fault([{ status: 500 }]), refused(/a fault is an object/))
    assert.equal((await send(plane, ['u1'])).delivered, 1)
    assert.deepStrictEqual(await statuses(plane), [200])
  } finally {
    await plane.stop()
  }
})

test('reset() forgets events, requests and faults', async () => {
  const plane = await start()
  try {
    assert.equal((await send(plane, ['u1', 'u2'])).delivered, 2)
    await plane.fault({ status: 500, next: 1000 })
    await plane.reset()
    assert.deepStrictEqual(await plane.events(), [])
    assert.deepStrictEqual(await plane.requests(), [])
    assert.deepStrictEqual(await plane.stats(), { requests: 0, events: 0 })
    assert.equal((await send(plane, ['u3'])).delivered, 1)
    assert.deepStrictEqual(await statuses(plane), [200])
    assert.deepStrictEqual((await plane.events()).map((e) => e.userId), ['u3'])
  } finally {
    await plane.stop()
  }
})

test('stop() ends the process, is idempotent, and the methods reject afterwards', async () => {
  const plane = await start()
  process.kill(plane.pid, 0)
  const stopping = plane.stop()
  assert.equal(plane.stop(), stopping)
  assert.equal(plane.stopped, true)
  await stopping
  assert.throws(() => process.kill(plane.pid, 0), { code: 'ESRCH' })
  await plane.stop()
  await assert.rejects(plane.events(), (err) => err instanceof LocalDataPlaneError &&
    err.message === `the local data plane at ${plane.url} is stopped` && err.binary === BIN)
  await assert.rejects(plane.fault({ status: 500 }), /is stopped/)
})

test('a data plane that ended on its own is said to have, and how', async () => {
  const plane = await start()
  try {
    process.kill(plane.pid, 'SIGKILL')
    await eventually(() => !alive(plane.pid))
    await assert.rejects(plane.events(), {
      name: 'LocalDataPlaneError',
      message: new RegExp(`^the local data plane at ${plane.url} was killed by SIGKILL: `)
    })
  } finally {
    await plane.stop()
  }
})

test('port, latencyMs, maxInFlight and rateLimit reach serve', async () => {
  const port = Number(new URL(await unusedUrl()).port)
  const fixed = await start({ port })
  try {
    assert.equal(fixed.url, `http://127.0.0.1:${port}`)
    assert.equal((await send(fixed, ['u1'])).delivered, 1)
  } finally {
    await fixed.stop()
  }
  // A value serve refuses shows that the option reached it: the error quotes serve's stderr.
  const refused = [
    ['latencyMs', 600001, '--latency-ms'],
    ['maxInFlight', 0, '--max-in-flight'],
    ['rateLimit', 0, '--rate-limit']
  ]
  for (const [name, value, option] of refused) {
    await assert.rejects(start({ [name]: value }), (err) => err instanceof LocalDataPlaneError &&
      err.message.includes(`${BIN} (from options.binary) exited with status 2: `) && err.message.includes(option))
    const plane = await start({ [name]: 1 })
    try {
      assert.equal((await send(plane, ['u1'])).delivered, 1)
    } finally {
      await plane.stop()
    }
  }
  await assert.rejects(start({ latency_ms: 5 }), { name: 'TypeError', message: /unknown option "latency_ms"/ })
})

test('a missing binary rejects naming it, and where the package looked', async (t) => {
  const missing = path.join(scratch(t), 'no-such-rudder-group')
  await assert.rejects(start({ binary: missing }), (err) => err instanceof LocalDataPlaneError &&
    err.message === `cannot start the local data plane: ${missing} (from options.binary) does not exist` &&
    err.binary === missing)
  const saved = process.env.RUDDER_GROUP_BIN
  process.env.RUDDER_GROUP_BIN = missing
  try {
    const packaged = path.join(PACKAGE, 'rudder-group')
    await assert.rejects(LocalDataPlane.start(), (err) => err instanceof LocalDataPlaneError &&
      err.code === 'RUDDER_GROUP_NO_BINARY' && err.binary === null &&
      err.message.startsWith('cannot start the local data plane: the rudder-group command is not installed') &&
      err.message.includes(`looked at: ${missing}, ${packaged}`))
    process.env.RUDDER_GROUP_BIN = BIN
    const plane = await LocalDataPlane.start()
    assert.equal(plane.binary, BIN)
    await plane.stop()
  } finally {
    if (saved === undefined) delete process.env.RUDDER_GROUP_BIN
    else process.env.RUDDER_GROUP_BIN = saved
  }
})

test('a program that is not executable, fails or prints no URL is named with why', async (t) => {
  const dir = scratch(t)
  const plain = path.join(dir, 'plain')
  fs.writeFileSync(plain, 'not a program\n', { mode: 0o644 })
  await assert.rejects(start({ binary: plain }), {
    message: `cannot start the local data plane: ${plain} (from options.binary) is not executable`
  })
  const failing = script(dir, 'failing', "echo 'no port for you' >&2\nexit 3")
  await assert.rejects(start({ binary: failing }), {
    message: `cannot start the local data plane: ${failing} (from options.binary) exited with status 3: no port for you`
  })
  const chatty = script(dir, 'chatty', 'echo hello\nexec sleep 600')
  await assert.rejects(start({ binary: chatty }), {
    message: `cannot start the local data plane: ${chatty} (from options.binary) printed "hello" instead of its URL: ` +
      '(nothing on stderr)'
  })
})

test('require and import give the same classes, and neither loads the addon or the client', async () => {
  const r = await runNode(['--input-type=module', '-'], {
    input: `
      import { createRequire } from 'node:module'
      import testing, { LocalDataPlane } from 'rudder-group/testing'
      const require = createRequire(import.meta.url)
      const cjs = require('rudder-group/testing')
      console.log(LocalDataPlane === cjs.LocalDataPlane && testing === cjs)
      console.log(JSON.stringify(Object.keys(require.cache).map((f) => f.split('/').slice(-2).join('/')).sort()))
    `
  })
  assert.equal(r.code, 0, r.stderr)
  const [same, loaded] = r.stdout.trim().split('\n')
  assert.equal(same, 'true')
  assert.deepStrictEqual(JSON.parse(loaded), ['lib/binary.js', 'lib/testing.js'])
})

/**
 * Runs a Node script that starts a data plane and prints serve's pid first: the child, the lines
 * it printed so far, and a promise of how it ended.
 */
function startChild (source) {
  const child = spawn(process.execPath, ['--input-type=commonjs', '-e', source, BIN], {
    cwd: PACKAGE, stdio: ['ignore', 'pipe', 'pipe']
  })
  let stderr = ''
  child.stderr.on('data', (d) => { stderr += d })
  const lines = []
  const ended = new Promise((resolve) => child.once('close', (code, signal) => resolve({ code, signal, stderr })))
  readline.createInterface({ input: child.stdout }).on('line', (line) => lines.push(line))
  return { child, lines, ended }
}

const CHILD_STARTS = `
  const { LocalDataPlane } = require('rudder-group/testing')
  LocalDataPlane.start({ binary: process.argv[1] }).then(async (plane) => {
    console.log(plane.pid)
    await main(plane)
  })
`

test('a running data plane keeps its process alive until stop(), and nothing of it after', async () => {
  // The timer does not hold the event loop: only the running data plane can let it fire.
  const { lines, ended } = startChild(`${CHILD_STARTS}
    async function main (plane) {
      setTimeout(async () => {
        console.log('stopping')
        await plane.stop()
        console.log('stopped')
      }, 50).unref()
    }
  `)
  const { code, stderr } = await ended
  assert.equal(code, 0, stderr)
  assert.deepStrictEqual(lines.slice(1), ['stopping', 'stopped'])
  assert.equal(alive(Number(lines[0])), false)
})

test('no serve outlives a process that exits without stop()', async () => {
  const { lines, ended } = startChild(`${CHILD_STARTS}
    async function main () { throw new Error('the test failed') }
  `)
  const { code, stderr } = await ended
  assert.equal(code, 1)
  assert.match(stderr, /the test failed/)
  const pid = Number(lines[0])
  assert.ok(pid > 0, lines.join('\n'))
  await eventually(() => !alive(pid))
})

test('no serve outlives a process killed with SIGKILL', async () => {
  const { child, lines, ended } = startChild(`${CHILD_STARTS}
    async function main () {}
  `)
  const pid = Number(await eventually(() => lines[0]))
  assert.ok(alive(pid))
  assert.ok(fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes('serve'))
  child.kill('SIGKILL')
  assert.equal((await ended).signal, 'SIGKILL')
  await eventually(() => !alive(pid))
})
