'use strict'
// rudder-group/testing: a local data plane for testing code that sends group calls, which is
// `rudder-group serve` in a process of its own with its admin API as methods.
//
// Its process never outlives the data plane: stop() ends it; an 'exit' hook kills one still
// running when this process exits; and serve reads the end of a pipe this process holds
// (--exit-with-stdin), so it also exits when this process is killed, SIGKILL included.
//
// While it runs, a data plane keeps the event loop alive, as a listening server does: a test
// that awaits something the data plane takes part in (a client's callback, say) never sees its
// process end under it. Once stopped, nothing of it holds the loop.
//
// Node's standard library alone: neither the addon nor the client is loaded.

const { spawn } = require('node:child_process')
const crypto = require('node:crypto')
const http = require('node:http')
const { binaryPath } = require('./binary.js')

// How long serve may take to print its URL; how long a stop waits for it to end after its stdin
// closes, then after SIGTERM, before SIGKILL; how long an admin request may take.
const START_TIMEOUT = 30000
const STOP_TIMEOUT = 10000
const ADMIN_TIMEOUT = 30000
// How long an admin request that found no data plane waits for its exit to be reported.
const EXIT_NOTICE = 1000
// The most of serve's stderr an error quotes.
const STDERR_QUOTED = 2000

const OPTIONS = ['binary', 'writeKey', 'port', 'latencyMs', 'maxInFlight', 'rateLimit']
// serve's options of the same meaning.
const SERVE_OPTIONS = [
  ['latencyMs', '--latency-ms'],
  ['maxInFlight', '--max-in-flight'],
  ['rateLimit', '--rate-limit']
]

/**
 * The local data plane could not start (`binary` names the program tried, when one was found),
 * or its admin API failed (`binary` is then the program that runs it).
 */
class LocalDataPlaneError extends Error {
  constructor (message, binary = null) {
    super(message)
    this.name = 'LocalDataPlaneError'
    this.binary = binary
  }
}

/** The serve processes still running, killed when this process exits. */
const running = new Set()
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL')
})

/** The program to run and where it came from: options.binary, else what lib/binary.js finds. */
function findBinary (given) {
  if (given !== undefined && given !== null) {
    if (typeof given !== 'string') throw new TypeError('LocalDataPlane: options.binary is a path string')
    return { file: given, source: 'options.binary' }
  }
  let file
  try {
    file = binaryPath()
  } catch (err) {
    const error = new LocalDataPlaneError(`cannot start the local data plane: ${err.message}`)
    error.code = err.code
    throw error
  }
  return { file, source: file === process.env.RUDDER_GROUP_BIN ? '$RUDDER_GROUP_BIN' : 'the package' }
}

/** serve's command line for these options. */
function serveArgs (options, writeKey) {
  const args = ['serve', '--port', String(options.port ?? 0), '--exit-with-stdin', '--write-key', writeKey]
  for (const [name, option] of SERVE_OPTIONS) {
    if (options[name] !== undefined && options[name] !== null) args.push(option, String(options[name]))
  }
  return args
}

/** Keeps the last STDERR_QUOTED characters serve wrote on stderr, read as long as it runs. */
function stderrTail (child) {
  let text = ''
  child.stderr.setEncoding('utf8')
  child.stderr.on('data', (chunk) => { text = (text + chunk).slice(-2 * STDERR_QUOTED) })
  return () => {
    const trimmed = text.trim()
    if (!trimmed) return '(nothing on stderr)'
    return trimmed.length > STDERR_QUOTED ? '...' + trimmed.slice(-STDERR_QUOTED) : trimmed
  }
}

/** How a process ended, in words. */
function ending (code, signal) {
  return signal ? `was killed by ${signal}` : `exited with status ${code}`
}

/**
 * Resolves serve's URL, its first stdout line; rejects with why it gave none (after it ended, so
 * that the error quotes all of its stderr).
 */
function readUrl (child, stderr, describe) {
  return new Promise((resolve, reject) => {
    let line = ''
    let why = null
    const fail = (reason) => {
      if (why !== null) return
      why = reason
      clearTimeout(timer)
      child.stdout.removeListener('data', onData)
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    }
    const onData = (chunk) => {
      line += chunk
      const end = line.indexOf('\n')
      if (end < 0) return
      const first = line.slice(0, end).trim()
      if (!first.startsWith('http://')) return fail(`printed ${JSON.stringify(first)} instead of its URL`)
      clearTimeout(timer)
      child.stdout.removeListener('data', onData)
      child.removeListener('close', onClose)
      child.removeListener('error', onError)
      resolve(first)
    }
    const onClose = (code, signal) => {
      fail(ending(code, signal))
      reject(new LocalDataPlaneError(`cannot start the local data plane: ${describe} ${why}: ${stderr()}`))
    }
    const onError = (err) => {
      const reason = err.code === 'ENOENT'
        ? 'does not exist'
        : err.code === 'EACCES' ? 'is not executable' : `cannot run: ${err.message}`
      fail(reason)
      child.removeListener('close', onClose)
      reject(new LocalDataPlaneError(`cannot start the local data plane: ${describe} ${reason}`))
    }
    const timer = setTimeout(() => fail(`printed no URL within ${START_TIMEOUT / 1000} s`), START_TIMEOUT)
    child.stdout.setEncoding('utf8')
    child.stdout.on('data', onData)
    child.once('close', onClose)
    child.once('error', onError)
  })
}

/** One request to the admin API: resolves { status, text } once the answer is read. */
function adminRequest (url, method, what, body) {
  const data = body === undefined ? undefined : JSON.stringify(body)
  const headers = data === undefined
    ? {}
    : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) }
  const options = { method, headers, agent: false, timeout: ADMIN_TIMEOUT }
  return new Promise((resolve, reject) => {
    // A connection of its own (agent: false): no proxy, no socket kept open after the answer.
    const request = http.request(`${url}/_rudder_group/${what}`, options, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (chunk) => { text += chunk })
      res.on('error', reject)
      res.on('end', () => resolve({ status: res.statusCode, text }))
    })
    request.on('timeout', () => request.destroy(new Error(`no answer within ${ADMIN_TIMEOUT / 1000} s`)))
    request.on('error', reject)
    request.end(data)
  })
}

/** The JSON of an answer's text, or undefined when it is none. */
function parsed (text) {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

/** A fault as the admin API takes it: the keys given, null and undefined ones left out. */
function faultBody (fault) {
  if (fault === null || typeof fault !== 'object' || Array.isArray(fault)) {
    throw new TypeError('LocalDataPlane.fault: a fault is an object, e.g. { status: 503, next: 2 }')
  }
  return Object.fromEntries(Object.entries(fault).filter(([, v]) => v !== undefined && v !== null))
}

const CONSTRUCTING = Symbol('LocalDataPlane.start')

class LocalDataPlane {
  #child
  #stderr
  #exit
  #stopped = null

  /**
   * Starts `rudder-group serve` on a loopback port and resolves once it listens; rejects with a
   * LocalDataPlaneError naming the program and why it did not start.
   */
  static async start (options = {}) {
    if (options === null || typeof options !== 'object') {
      throw new TypeError('LocalDataPlane.start: options is an object')
    }
    const unknown = Object.keys(options).find((k) => !OPTIONS.includes(k))
    if (unknown !== undefined) {
      const known = OPTIONS.join(', ')
      throw new TypeError(`LocalDataPlane.start: unknown option ${JSON.stringify(unknown)}; known: ${known}`)
    }
    const { file, source } = findBinary(options.binary)
    const writeKey = options.writeKey ?? crypto.randomUUID()
    const describe = `${file} (from ${source})`
    let child
    try {
      // stdin is a pipe only this process writes to: when it closes, because of stop() or
      // because this process died, serve exits.
      child = spawn(file, serveArgs(options, writeKey), { stdio: ['pipe', 'pipe', 'pipe'], windowsHide: true })
    } catch (err) {
      throw new LocalDataPlaneError(`cannot start the local data plane: ${describe} cannot run: ${err.message}`, file)
    }
    // Writing nothing, stdin can only fail as the process goes; its end is what stop() awaits.
    child.stdin.on('error', () => {})
    running.add(child)
    child.once('exit', () => running.delete(child))
    const stderr = stderrTail(child)
    let url
    try {
      url = await readUrl(child, stderr, describe)
    } catch (err) {
      running.delete(child)
      err.binary = file
      throw err
    }
    // What serve prints later is read and dropped, so that it never blocks on a full pipe; a
    // signal that cannot be sent later (the process already gone) is no error to report.
    child.stdout.resume()
    child.on('error', () => {})
    return new LocalDataPlane(CONSTRUCTING, { url, writeKey, binary: file, child, stderr })
  }

  constructor (token, { url, writeKey, binary, child, stderr } = {}) {
    if (token !== CONSTRUCTING) throw new TypeError('a LocalDataPlane is made by `await LocalDataPlane.start(options)`')
    this.url = url
    this.writeKey = writeKey
    this.binary = binary
    this.pid = child.pid
    this.#child = child
    this.#stderr = stderr
    this.#exit = new Promise((resolve) => child.once('exit', resolve))
  }

  /** Whether stop() was called. */
  get stopped () {
    return this.#stopped !== null
  }

  /** Every stored event, in arrival order, as the data plane stored it. */
  events () {
    return this.#admin('GET', 'events')
  }

  /** Every data request answered, in arrival order. */
  requests () {
    return this.#admin('GET', 'requests')
  }

  /** `{ requests, events }`: the counts of requests() and events(). */
  stats () {
    return this.#admin('GET', 'stats')
  }

  /** Forgets every request, event and fault (an outage ends). */
  async reset () {
    await this.#admin('POST', 'reset', {})
  }

  /** Makes the data plane fail the coming data requests; see the typings for the keys. */
  async fault (fault) {
    await this.#admin('POST', 'faults', faultBody(fault))
  }

  /** Ends every fault (an outage too); what was stored stays. */
  async clearFaults () {
    await this.#admin('DELETE', 'faults')
  }

  /**
   * Ends serve (the end of its stdin, then SIGTERM, then SIGKILL) and resolves once it has
   * exited. Idempotent: every call returns the same promise.
   */
  stop () {
    this.#stopped ??= new Promise((resolve) => {
      const child = this.#child
      let timer
      const exited = () => {
        clearTimeout(timer)
        running.delete(child)
        // Nothing of the data plane keeps the event loop alive any more.
        child.unref()
        for (const stream of [child.stdin, child.stdout, child.stderr]) {
          stream.unref?.()
          stream.destroy()
        }
        resolve()
      }
      if (child.exitCode !== null || child.signalCode !== null) return exited()
      child.once('exit', exited)
      timer = setTimeout(() => {
        child.kill('SIGTERM')
        timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT)
      }, STOP_TIMEOUT)
      child.stdin.end()
    })
    return this.#stopped
  }

  async #admin (method, what, body) {
    const child = this.#child
    const ended = () => child.exitCode !== null || child.signalCode !== null
    if (this.#stopped !== null) {
      throw new LocalDataPlaneError(`the local data plane at ${this.url} is stopped`, this.binary)
    }
    const gone = () => new LocalDataPlaneError(
      `the local data plane at ${this.url} ${ending(child.exitCode, child.signalCode)}: ${this.#stderr()}`, this.binary
    )
    if (ended()) throw gone()
    let answer
    try {
      answer = await adminRequest(this.url, method, what, body)
    } catch (err) {
      // A refused or cut connection is serve going away: its exit is reported at most a moment
      // later, and says more than the connection's error.
      await Promise.race([this.#exit, new Promise((resolve) => setTimeout(resolve, EXIT_NOTICE).unref())])
      if (ended()) throw gone()
      throw new LocalDataPlaneError(`${method} /_rudder_group/${what}: ${err.message}`, this.binary)
    }
    const value = parsed(answer.text)
    if (answer.status === 200 && value !== undefined) return value
    const reason = typeof value?.error === 'string' ? value.error : answer.text
    // 400 is the admin API refusing what it was given: a fault it does not take.
    if (answer.status === 400) throw new TypeError(`the data plane refused ${JSON.stringify(body)}: ${reason}`)
    throw new LocalDataPlaneError(`${method} /_rudder_group/${what}: status ${answer.status}: ${reason}`, this.binary)
  }
}

module.exports = { LocalDataPlane, LocalDataPlaneError }
