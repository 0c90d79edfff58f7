'use strict'
// Delivery over a far data plane: end-to-end events/s from Node at 0, 20 and 50 ms per answer.
//
// For each latency L, one local data plane answers every data request L ms late
// (`rudder-group serve --latency-ms L`). On it, each SDK runs in a child process of its own, RUNS
// times, with its default settings: rudder-group as `new Client({ writeKey, dataPlaneUrl })`;
// @rudderstack/rudder-sdk-node with only its queue (maxInternalQueueSize) raised to its N, so that it
// drops nothing. A run calls group() N times in chunks of 100, yielding between chunks, then
// flushes (and closes), and ends when every event is acknowledged. Printed, medians of the runs:
// events/s from the first call to the last acknowledgement, the data requests the data plane
// answered, the child's CPU per event (user + system), and events the data plane never stored.
// The peer runs fewer events (it re-serializes its queue on every call; the figure is a rate).
// A script, not a test.
//
//   make -C bindings/node bench        (release builds, then bench.js and this script)

const { fork } = require('node:child_process')
const path = require('node:path')
const {
  REPO, WRITE_KEY, params, callInChunks, tick, now,
  startDataPlane, admin, median
} = require('./bench.js')

const RUNS = Number(process.env.WIRE_RUNS || 5)
const LATENCIES = (process.env.WIRE_LATENCIES || '0,20,50').split(',').map(Number)
const OURS_N = Number(process.env.WIRE_N || 100_000)
const PEER_N = Number(process.env.WIRE_PEER_N || 10_000)
const WARMUP = 1_000

async function runRudderGroup (url, n) {
  const { Client } = require(path.join(REPO, 'bindings', 'node'))
  const client = new Client({ writeKey: WRITE_KEY, dataPlaneUrl: url })
  await callInChunks(n, (i) => client.group(params(i % 1000)))
  await client.flush()
  await client.close()
}

async function runPeer (url, n) {
  const Analytics = require('@rudderstack/rudder-sdk-node')
  const client = new Analytics(WRITE_KEY, { dataPlaneUrl: url, maxInternalQueueSize: n, logLevel: 'error' })
  let acknowledged = 0
  const callback = () => { acknowledged++ }
  await callInChunks(n, (i) => client.group(params(i % 1000), callback))
  while (client.queue.length > 0) await client.flush()
  while (acknowledged < n) await tick()
}

/** The child side: a warm-up round, then one measured run, sent as JSON. */
async function child () {
  const [sdk, url, n] = process.argv.slice(3)
  const run = sdk === 'rudder-group' ? runRudderGroup : runPeer
  await run(url, WARMUP)
  await admin(url, 'POST', 'reset')
  const cpu0 = process.cpuUsage()
  const start = now()
  await run(url, Number(n))
  const seconds = Number(now() - start) / 1e9
  const cpu = process.cpuUsage(cpu0)
  process.send({ seconds, cpuUs: (cpu.user + cpu.system) / Number(n) }, () => process.exit(0))
}

function measure (sdk, url, n) {
  return new Promise((resolve, reject) => {
    const proc = fork(__filename, ['--child', sdk, url, String(n)])
    proc.once('message', resolve)
    proc.once('error', reject)
    proc.once('exit', (code) => { if (code !== 0) reject(new Error(`${sdk} run exited with ${code}`)) })
  })
}

async function main () {
  const rows = []
  for (const latency of LATENCIES) {
    const { url, proc } = await startDataPlane(['--latency-ms', String(latency)])
    try {
      for (const [sdk, n] of [['rudder-group', OURS_N], ['@rudderstack/rudder-sdk-node', PEER_N]]) {
        const runs = []
        for (let r = 0; r < RUNS; r++) {
          const { seconds, cpuUs } = await measure(sdk === 'rudder-group' ? sdk : 'peer', url, n)
          const stats = await admin(url, 'GET', 'stats')
          runs.push({ rate: stats.events / seconds, requests: stats.requests, cpuUs, lost: n - stats.events })
        }
        rows.push({
          latency,
          sdk,
          n,
          rate: median(runs.map((x) => x.rate)),
          requests: median(runs.map((x) => x.requests)),
          cpuUs: median(runs.map((x) => x.cpuUs)),
          lost: Math.max(...runs.map((x) => x.lost))
        })
      }
    } finally {
      proc.kill('SIGTERM')
    }
  }
  console.log(`end to end over a far data plane, default settings, node ${process.version}, ` +
    `${require('node:os').cpus().length} cores, medians of ${RUNS} runs, the data plane on the same machine`)
  console.log('  ms  sdk                              events    events/s  requests  CPU us/event   lost')
  for (const r of rows) {
    console.log(`${String(r.latency).padStart(4)}  ${r.sdk.padEnd(30)} ${String(r.n).padStart(8)} ` +
      `${Math.round(r.rate).toString().padStart(11)} ${String(r.requests).padStart(9)} ` +
      `${r.cpuUs.toFixed(1).padStart(13)} ${String(r.lost).padStart(6)}`)
  }
  for (const latency of LATENCIES) {
    const [ours, peer] = rows.filter((r) => r.latency === latency)
    console.log(`${latency} ms: rudder-group delivers ${(ours.rate / peer.rate).toFixed(1)}x the peer's events/s`)
  }
}

if (process.argv[2] === '--child') {
  child().catch((err) => { console.error(err); process.exit(1) })
} else {
  main().catch((err) => { console.error(err); process.exit(1) })
}
