'use strict'
// The Node examples of docs/recipes/: each block marked ```js file=NAME is written as NAME into a
// scratch folder (where `rudder-group` resolves to this package) and run the way its page says,
// against the local data plane; the test counts what the data plane stored. Where the platform
// cannot run here, the test does to a process what the platform does: a SIGSTOP freeze for a
// function platform, SIGTERM for Kubernetes.

const test = require('node:test')
const assert = require('node:assert/strict')
const { spawn } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { PACKAGE, REPO, startDataPlane, WRITE_KEY } = require('./helpers.js')

const RECIPES = path.join(REPO, 'docs', 'recipes')

/** Writes every ```js file=NAME block of a page into a scratch folder; returns the folder. */
function examples (page) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rudder-group-recipe-'))
  fs.mkdirSync(path.join(dir, 'node_modules'))
  fs.symlinkSync(PACKAGE, path.join(dir, 'node_modules', 'rudder-group'), 'dir')
  const text = fs.readFileSync(path.join(RECIPES, page), 'utf8')
  const blocks = [...text.matchAll(/^```js file=(\S+)\n([^]*?)^```$/gm)]
  assert.ok(blocks.length > 0, `${page} has no \`\`\`js file= block`)
  for (const [, name, body] of blocks) fs.writeFileSync(path.join(dir, name), body)
  return dir
}

/** A child process whose stdout is read line by line: `await next()` is its next line. */
function child (args, { cwd, env }) {
  const proc = spawn(process.execPath, args, { cwd, env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] })
  let buffered = ''
  let stderr = ''
  const waiting = []
  const lines = []
  proc.stdout.on('data', (d) => {
    buffered += d
    let at
    while ((at = buffered.indexOf('\n')) >= 0) {
      lines.push(buffered.slice(0, at))
      buffered = buffered.slice(at + 1)
    }
    while (waiting.length > 0 && lines.length > 0) waiting.shift()(lines.shift())
  })
  proc.stderr.on('data', (d) => { stderr += d })
  const ended = new Promise((resolve) => proc.once('close', (code, signal) => resolve({ code, signal })))
  proc.stdout.once('close', () => { while (waiting.length > 0) waiting.shift()(undefined) })
  return {
    proc,
    ended,
    stderr: () => stderr,
    next: () => (lines.length > 0 ? Promise.resolve(lines.shift()) : new Promise((resolve) => waiting.push(resolve)))
  }
}

test('every page with a Node example has its test here', () => {
  const pages = fs.readdirSync(RECIPES).filter((p) => /^```js file=/m.test(fs.readFileSync(path.join(RECIPES, p), 'utf8')))
  assert.deepStrictEqual(pages.sort(), ['kubernetes.md', 'serverless.md'])
})

const DRIVER = `
import { createInterface } from 'node:readline'
import { handler } from './handler.mjs'
for await (const line of createInterface({ input: process.stdin })) {
  console.log(JSON.stringify(await handler(JSON.parse(line))))
}
`

for (const spool of [false, true]) {
  test(`serverless: a handler that flushes loses nothing to a freeze (${spool ? 'spool' : 'memory'})`, async () => {
    const dir = examples('serverless.md')
    fs.writeFileSync(path.join(dir, 'driver.mjs'), DRIVER)
    const plane = await startDataPlane()
    const env = { RUDDER_WRITE_KEY: WRITE_KEY, RUDDER_DATA_PLANE_URL: plane.url }
    if (spool) env.RUDDER_SPOOL_DIR = path.join(dir, 'spool')
    const fn = child(['driver.mjs'], { cwd: dir, env })
    try {
      for (let n = 0; n < 4; n++) {
        fn.proc.stdin.write(JSON.stringify({ groupId: `acme-${n}`, userId: `u${n}`, plan: 'pro' }) + '\n')
        assert.deepStrictEqual(JSON.parse(await fn.next() ?? fn.stderr()), { statusCode: 200, delivered: 1 })
        // The invocation returned: the platform freezes the process; what was queued before the
        // flush is at the data plane already.
        process.kill(fn.proc.pid, 'SIGSTOP')
        const groups = (await plane.events()).map((e) => e.groupId).sort()
        assert.deepStrictEqual(groups, Array.from({ length: n + 1 }, (_, i) => `acme-${i}`))
        await new Promise((resolve) => setTimeout(resolve, 200)) // frozen a while: nothing depends on how long
        process.kill(fn.proc.pid, 'SIGCONT')
      }
      fn.proc.stdin.end()
      assert.deepStrictEqual(await fn.ended, { code: 0, signal: null }, fn.stderr())
      assert.equal((await plane.events()).length, 4)
    } finally {
      fn.proc.kill('SIGKILL')
      await plane.stop()
      fs.rmSync(dir, { recursive: true, force: true })
    }
  })
}

test('kubernetes: SIGTERM closes the client and every event is delivered', async () => {
  const dir = examples('kubernetes.md')
  const plane = await startDataPlane()
  const svc = child(['service.mjs'], { cwd: dir, env: { RUDDER_WRITE_KEY: WRITE_KEY, RUDDER_DATA_PLANE_URL: plane.url } })
  try {
    for (let n = 0; n < 10; n++) {
      svc.proc.stdin.write(`acme-${n % 2} user-${n}\n`)
      assert.equal(await svc.next(), 'accepted', svc.stderr())
    }
    svc.proc.kill('SIGTERM') // the kubelet's stop; stdin stays open
    assert.deepStrictEqual(await svc.ended, { code: 0, signal: null }, svc.stderr())
    assert.equal((await plane.events()).length, 10)
  } finally {
    svc.proc.kill('SIGKILL')
    await plane.stop()
    fs.rmSync(dir, { recursive: true, force: true })
  }
})
