'use strict'
// rudder-group against @rudderstack/rudder-sdk-node on the same local data plane.
//
// For each SDK, in a child process of its own: the caller's cost per group() call while the SDK
// is sending (calls in chunks of 100, yielding to the event loop between chunks so that both SDKs
// can send), and end-to-end delivered events/s (first call to the last event acknowledged by the
// data plane). The peer re-serializes its whole queue on every enqueue (quadratic in the queue
// length), so it runs with N = 20,000 and its queue raised to N so that it drops nothing;
// rudder-group runs with the same N and with 100,000. Both send batches of 100. Each child warms
// up with 2,000 events first. Medians of three runs. Per call, the wall time inside the calls and
// the CPU time of the caller's thread in them (Linux); rudder-group/compat's group() is set
// against Client.group() of the same event on the same run. Then the caller's cost alone (see
// callerCost). A script, not a test.
//
//   make -C bindings/node bench        (release build of the addon, then this script)

const { spawn, fork } = require('node:child_process')
const path = require('node:path')
const readline = require('node:readline')

const REPO = path.resolve(__dirname, '..', '..')
const fs = require('node:fs')
const BIN = process.env.RUDDER_GROUP_BIN || ['release', 'debug']
  .map((profile) => path.join(REPO, 'target', profile, 'rudder-group'))
  .find((p) => fs.existsSync(p))
const WRITE_KEY = 'test-write-key'
const CHUNK = 100
const RUNS = 3
const WARMUP = 2_000

/** A typical group event: the seed sample traits, a few custom ones, a context field. */
function params (i) {
  return {
    groupId: '12345',
    userId: `user-${i}`,
    traits: {
      name: 'MyGroup',
      industry: 'IT',
      employees: 450,
      plan: 'basic',
      website: 'https://www.example.com',
      address: { city: 'San Francisco', country: 'USA' },
      createdAt: '2021-06-01T12:00:00.000Z',
      tier: 'enterprise',
      seats: 120,
      active: true
    },
    context: { ip: '10.0.0.1' }
  }
}

const tick = () => new Promise((resolve) => setImmediate(resolve))
const now = () => process.hrtime.bigint()
const micros = (ns) => Number(ns) / 1000

/**
 * The CPU time of the caller's own thread (the main thread, whose id is the process's) in ns,
 * from /proc/self/task/<pid>/schedstat: the SDKs' own threads and a loaded machine's waits are
 * left out. Undefined where there is no such file (not Linux).
 */
const SCHEDSTAT = `/proc/self/task/${process.pid}/schedstat`
const threadCpu = fs.existsSync(SCHEDSTAT) ? () => BigInt(fs.readFileSync(SCHEDSTAT, 'utf8').split(' ')[0]) : () => undefined

/**
 * Calls `call(i)` n times in chunks, yielding between chunks: the wall time spent inside the
 * calls (ns, a BigInt), and `cpu`, the caller's thread's CPU time inside them (undefined where
 * it cannot be read).
 */
async function callInChunks (n, call) {
  let inside = 0n
  let cpu = threadCpu() === undefined ? undefined : 0n
  for (let i = 0; i < n; i += CHUNK) {
    const c0 = threadCpu()
    const t0 = now()
    const end = Math.min(n, i + CHUNK)
    for (let j = i; j < end; j++) call(j)
    inside += now() - t0
    if (cpu !== undefined) cpu += threadCpu() - c0
    await tick()
  }
  return { inside, cpu }
}

/** Per-call figures of a run of n calls: wall and caller-thread CPU (us), events/s end to end. */
function perCall ({ inside, cpu }, n, total) {
  return {
    perCallUs: micros(inside) / n,
    cpuPerCallUs: cpu === undefined ? undefined : micros(cpu) / n,
    eventsPerSec: n / (Number(total) / 1e9)
  }
}

async function runRudderGroup (url, n) {
  const { Client } = require(path.join(REPO, 'bindings', 'node'))
  const client = new Client({ writeKey: WRITE_KEY, dataPlaneUrl: url })
  const start = now()
  const calls = await callInChunks(n, (i) => client.group(params(i)))
  const result = await client.flush()
  const total = now() - start
  await client.close()
  if (result.delivered !== n) throw new Error(`rudder-group delivered ${result.delivered} of ${n}`)
  return perCall(calls, n, total)
}

async function runPeer (url, n) {
  const Analytics = require('@rudderstack/rudder-sdk-node')
  const client = new Analytics(WRITE_KEY, {
    dataPlaneUrl: url,
    flushAt: 100,
    maxInternalQueueSize: n,
    logLevel: 'error'
  })
  let acknowledged = 0
  let failed = 0
  const callback = (err) => { if (err) failed++; acknowledged++ }
  const start = now()
  const calls = await callInChunks(n, (i) => client.group(params(i), callback))
  while (client.queue.length > 0) await client.flush()
  while (acknowledged < n) await tick()
  const total = now() - start
  if (failed > 0) throw new Error(`rudder-sdk-node: ${failed} of ${n} failed`)
  return perCall(calls, n, total)
}

/**
 * The caller's cost alone, medians of 5 runs of n calls: client.group() with the memory
 * transport (nothing leaves the process; a client per run), in a tight loop and in chunks that
 * yield to the event loop, GroupEvent.build() in a tight loop, and the JS walk of group() alone,
 * against JSON.stringify of the same call.
 */
async function callerCost (n) {
  const { Client, GroupEvent } = require(path.join(REPO, 'bindings', 'node'))
  const { encode } = require(path.join(REPO, 'bindings', 'node', 'lib', 'encode.js'))
  const maxEventBytes = require(path.join(REPO, 'bindings', 'node', 'index.js')).DEFAULT_MAX_EVENT_BYTES
  const runs = { tight: [], yielding: [], build: [], stringify: [], walk: [] }
  let sink = 0
  for (let r = 0; r < 6; r++) {
    let client = new Client({ writeKey: WRITE_KEY, transport: 'memory', maxQueueEvents: n })
    const t0 = now()
    for (let i = 0; i < n; i++) sink += client.group(params(i)).length
    const tight = micros(now() - t0) / n
    await client.close()
    client = new Client({ writeKey: WRITE_KEY, transport: 'memory', maxQueueEvents: n })
    const yielding = micros((await callInChunks(n, (i) => { sink += client.group(params(i)).length })).inside) / n
    await client.close()
    const t1 = now()
    for (let i = 0; i < n; i++) sink += JSON.stringify(params(i)).length
    const stringify = micros(now() - t1) / n
    const t2 = now()
    for (let i = 0; i < n; i++) sink += GroupEvent.build(params(i)).messageId.length
    const build = micros(now() - t2) / n
    // The JS half of group() alone: the walk that tags the call's values (lib/encode.js).
    const t3 = now()
    for (let i = 0; i < n; i++) sink += encode(params(i), maxEventBytes, true).length
    const walk = micros(now() - t3) / n
    // The first run warms up.
    if (r > 0) {
      for (const [k, v] of Object.entries({ tight, yielding, build, stringify, walk })) runs[k].push(v)
    }
  }
  if (sink === 0) throw new Error('nothing was measured')
  return Object.fromEntries(Object.entries(runs).map(([k, v]) => [k, median(v)]))
}

/**
 * rudder-group/compat, called as the peer is called, with the event of runRudderGroup's
 * Client.group() calls (no callback: its flush resolves once every event has its outcome).
 */
async function runCompat (url, n) {
  const Analytics = require(path.join(REPO, 'bindings', 'node', 'lib', 'compat.js'))
  const client = new Analytics(WRITE_KEY, { dataPlaneUrl: url, logLevel: 'error' })
  const start = now()
  const calls = await callInChunks(n, (i) => client.group(params(i)))
  const result = await client.flush()
  const total = now() - start
  if (result.delivered !== n) throw new Error(`rudder-group/compat delivered ${result.delivered} of ${n}`)
  return perCall(calls, n, total)
}

/** The child side: a warm-up round (JIT, connections), then one measurement, sent as JSON. */
async function child () {
  const [sdk, url, n] = process.argv.slice(3)
  if (sdk === 'cost') {
    const result = await callerCost(Number(n))
    process.send(result, () => process.exit(0))
    return
  }
  const run = { 'rudder-group': runRudderGroup, compat: runCompat, peer: runPeer }[sdk]
  await run(url, WARMUP)
  const result = await run(url, Number(n))
  process.send(result, () => process.exit(0))
}

function startDataPlane (extraArgs = []) {
  return new Promise((resolve, reject) => {
    const proc = spawn(BIN, ['serve', '--port', '0', ...extraArgs], { stdio: ['ignore', 'pipe', 'ignore'] })
    proc.once('error', reject)
    readline.createInterface({ input: proc.stdout }).once('line', (url) => resolve({ url: url.trim(), proc }))
  })
}

async function admin (url, method, what) {
  const res = await fetch(`${url}/_rudder_group/${what}`, { method })
  return res.json()
}

function measure (sdk, url, n) {
  return new Promise((resolve, reject) => {
    const proc = fork(__filename, ['--child', sdk, url, String(n)])
    proc.once('message', resolve)
    proc.once('error', reject)
    proc.once('exit', (code) => { if (code !== 0) reject(new Error(`${sdk} run exited with ${code}`)) })
  })
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

async function main () {
  const { url, proc } = await startDataPlane()
  const rows = []
  try {
    const cases = [['rudder-group', 20_000], ['@rudderstack/rudder-sdk-node', 20_000], ['rudder-group', 100_000],
      ['rudder-group/compat', 20_000]]
    const which = { 'rudder-group': 'rudder-group', '@rudderstack/rudder-sdk-node': 'peer', 'rudder-group/compat': 'compat' }
    for (const [sdk, n] of cases) {
      const runs = []
      for (let r = 0; r < RUNS; r++) {
        await admin(url, 'POST', 'reset')
        runs.push(await measure(which[sdk], url, n))
        const stats = await admin(url, 'GET', 'stats')
        if (stats.events !== WARMUP + n) throw new Error(`${sdk}: the data plane received ${stats.events} of ${WARMUP + n} events`)
      }
      rows.push({
        sdk,
        n,
        perCallUs: median(runs.map((x) => x.perCallUs)),
        cpuPerCallUs: runs[0].cpuPerCallUs === undefined ? undefined : median(runs.map((x) => x.cpuPerCallUs)),
        eventsPerSec: median(runs.map((x) => x.eventsPerSec))
      })
    }
  } finally {
    proc.kill('SIGTERM')
  }
  const cost = await measure('cost', '', 20_000)
  console.log(`node ${process.version}, ${require('node:os').cpus().length} cores, data plane ${path.relative(REPO, BIN)}; ` +
    `medians of ${RUNS} runs after a warm-up of ${WARMUP} events; calls in chunks of ${CHUNK}, yielding between chunks`)
  const us = (x) => (x === undefined ? 'n/a' : x.toFixed(2))
  console.log('sdk                            N        per call (us)   caller CPU per call (us)   delivered events/s')
  for (const r of rows) {
    console.log(`${r.sdk.padEnd(30)} ${String(r.n).padEnd(8)} ${r.perCallUs.toFixed(2).padStart(13)}   ` +
      `${us(r.cpuPerCallUs).padStart(24)}   ${Math.round(r.eventsPerSec).toString().padStart(18)}`)
  }
  const ours = rows[0]
  const peer = rows[1]
  const compat = rows[3]
  const cpuRatio = ours.cpuPerCallUs === undefined ? 'n/a' : `${(compat.cpuPerCallUs / ours.cpuPerCallUs).toFixed(2)}x`
  console.log(`rudder-group/compat's group() against Client.group() of the same event at N = 20,000: ${cpuRatio} the ` +
    `caller's CPU, ${(compat.perCallUs / ours.perCallUs).toFixed(2)}x the wall time per call (goal: at most 1.5x)`)
  console.log(`ratio at N = 20,000: ${(peer.perCallUs / ours.perCallUs).toFixed(1)}x cheaper per call (goal 5x), ` +
    `${(ours.eventsPerSec / peer.eventsPerSec).toFixed(1)}x the end-to-end events/s (goal 10x)`)
  console.log(`the drop-in rudder-group/compat at N = 20,000: ${(peer.perCallUs / compat.perCallUs).toFixed(1)}x cheaper per call, ` +
    `${(compat.eventsPerSec / peer.eventsPerSec).toFixed(1)}x the end-to-end events/s`)
  console.log('the peer runs with N = 20,000 only: its enqueue re-serializes the whole queue on every call')
  console.log(`caller cost, memory transport, median of 5 runs: group() ${cost.tight.toFixed(2)} us in a tight loop, ` +
    `${cost.yielding.toFixed(2)} us yielding; JSON.stringify of the call ${cost.stringify.toFixed(2)} us: ` +
    `${(cost.tight / cost.stringify).toFixed(1)}x and ${(cost.yielding / cost.stringify).toFixed(1)}x (goal 3x); ` +
    `GroupEvent.build() ${cost.build.toFixed(2)} us, ${(cost.build / cost.stringify).toFixed(1)}x; ` +
    `of group(), the JS walk alone ${cost.walk.toFixed(2)} us (${(cost.walk / cost.stringify).toFixed(1)}x)`)
}

module.exports = { REPO, BIN, WRITE_KEY, params, callInChunks, tick, now, startDataPlane, admin, median }

if (require.main !== module) {
  // Required by wire.js for its helpers.
} else if (process.argv[2] === '--child') {
  child().catch((err) => { console.error(err); process.exit(1) })
} else {
  main().catch((err) => { console.error(err); process.exit(1) })
}
