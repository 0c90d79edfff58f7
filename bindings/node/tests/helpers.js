'use strict'
// Shared by the tests: paths, the shared vectors, and the local data plane as a child process.

const { spawn } = require('node:child_process')
const fs = require('node:fs')
const net = require('node:net')
const path = require('node:path')
const readline = require('node:readline')

const PACKAGE = path.resolve(__dirname, '..')
const REPO = path.resolve(PACKAGE, '..', '..')
const VECTORS = path.join(REPO, 'tests', 'vectors')
const BIN = process.env.RUDDER_GROUP_BIN || path.join(REPO, 'target', 'debug', 'rudder-group')
const WRITE_KEY = 'test-write-key'
const PACKAGE_VERSION = require('../package.json').version

/** Every shared vector file: [{ file, description, cases }]. */
function vectorFiles () {
  return fs.readdirSync(VECTORS)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => ({ file, ...JSON.parse(fs.readFileSync(path.join(VECTORS, file), 'utf8')) }))
}

/**
 * Starts `rudder-group serve --port 0` and reads its URL from the first stdout line. The
 * returned object reads the admin API back and injects faults.
 */
async function startDataPlane (args = []) {
  const child = spawn(BIN, ['serve', '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  let stderr = ''
  child.stderr.on('data', (d) => { stderr += d })
  const lines = readline.createInterface({ input: child.stdout })
  const url = await new Promise((resolve, reject) => {
    lines.once('line', (line) => resolve(line.trim()))
    child.once('error', reject)
    child.once('exit', (code) => reject(new Error(`rudder-group serve exited with ${code}: ${stderr}`)))
  })
  const admin = async (method, what, body) => {
    const res = await fetch(`${url}/_rudder_group/${what}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body)
    })
    if (!res.ok) throw new Error(`${method} ${what}: ${res.status} ${await res.text()}`)
    const text = await res.text()
    return text ? JSON.parse(text) : null
  }
  return {
    url,
    events: () => admin('GET', 'events'),
    requests: () => admin('GET', 'requests'),
    fault: (spec) => admin('POST', 'faults', spec),
    clearFaults: () => admin('DELETE', 'faults'),
    reset: () => admin('POST', 'reset'),
    stop: () => new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve()
      child.once('exit', () => resolve())
      child.kill('SIGTERM')
    })
  }
}

/** The URL of a local port nothing listens on (a data plane that is down: connections are refused). */
async function unusedUrl () {
  const server = net.createServer()
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address()
  await new Promise((resolve) => server.close(resolve))
  return `http://127.0.0.1:${port}`
}

/** Runs `node` on a script file or source with the given environment; resolves { code, stdout, stderr }. */
function runNode (args, { env = {}, input, cwd = PACKAGE } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      cwd,
      env: { ...process.env, ...env },
      stdio: ['pipe', 'pipe', 'pipe']
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => { stdout += d })
    child.stderr.on('data', (d) => { stderr += d })
    child.once('error', reject)
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr }))
    child.stdin.end(input === undefined ? '' : input)
  })
}

/** Waits until `check()` returns a truthy value, polling the event loop (never a time limit). */
async function eventually (check) {
  for (;;) {
    const v = await check()
    if (v) return v
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

module.exports = {
  PACKAGE, REPO, VECTORS, BIN, WRITE_KEY, PACKAGE_VERSION,
  vectorFiles, startDataPlane, unusedUrl, runNode, eventually
}
