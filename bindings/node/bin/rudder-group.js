#!/usr/bin/env node
'use strict'
// `npx rudder-group ...`: runs the native rudder-group command (see lib/binary.js) with these
// arguments, its standard streams the terminal's; the signals this process gets are passed on,
// and it ends as the command ends (its exit status, or the same signal).

const { spawn } = require('node:child_process')
const { binaryPath } = require('../lib/binary.js')

let file
try {
  file = binaryPath()
} catch (err) {
  process.stderr.write(`rudder-group: ${err.message}\n`)
  process.exit(127)
}

const child = spawn(file, process.argv.slice(2), { stdio: 'inherit' })
const forwarded = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT']
const pass = (signal) => () => { child.kill(signal) }
for (const signal of forwarded) process.on(signal, pass(signal))
child.on('error', (err) => {
  process.stderr.write(`rudder-group: cannot run ${file}: ${err.message}\n`)
  process.exit(126)
})
child.on('exit', (code, signal) => {
  if (signal) {
    for (const s of forwarded) process.removeAllListeners(s)
    process.kill(process.pid, signal)
    return
  }
  process.exit(code ?? 1)
})
