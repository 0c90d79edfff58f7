'use strict'
// Shared by the tests: paths, the shared vectors, the local data plane and child processes.

const { spawn } = require('node:child_process')
const fs = require('node:fs')
const net = require('node:net')
const path = require('node:path')
const { LocalDataPlane } = require('rudder-group/testing')

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
 * The suite's local data plane: rudder-group/testing's LocalDataPlane, as users get it, run by
 * the command this checkout built and accepting the suite's write key.
 */
function startDataPlane () {
  return LocalDataPlane.start({ binary: BIN, writeKey: WRITE_KEY })
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
