'use strict'
// bin/rudder-group.js, the package's `rudder-group` command: it runs the native command with
// its arguments and ends as it ends, or says where it looked when there is none.

const { test } = require('node:test')
const assert = require('node:assert/strict')
const { spawnSync } = require('node:child_process')
const path = require('node:path')
const { binaryPath } = require('../lib/binary.js')

const SHIM = path.join(__dirname, '..', 'bin', 'rudder-group.js')
const BIN = process.env.RUDDER_GROUP_BIN || path.join(__dirname, '..', '..', '..', 'target', 'debug', 'rudder-group')

function run (env, ...args) {
  return spawnSync(process.execPath, [SHIM, ...args], { env: { ...process.env, ...env }, encoding: 'utf8' })
}

test('the command runs the native rudder-group with its arguments and its exit status', () => {
  const version = run({ RUDDER_GROUP_BIN: BIN }, '--version')
  assert.equal(version.status, 0, version.stderr)
  assert.match(version.stdout, /^rudder-group \d+\.\d+\.\d+/)
  const usage = run({ RUDDER_GROUP_BIN: BIN }, 'no-such-subcommand')
  assert.equal(usage.status, 2)
  assert.match(usage.stderr, /no-such-subcommand/)
})

test('with no native command for this platform it says where it looked and exits 127', () => {
  const missing = path.join(__dirname, 'no-such-dir', 'rudder-group')
  const r = run({ RUDDER_GROUP_BIN: missing }, '--version')
  assert.equal(r.status, 127)
  assert.match(r.stderr, /rudder-group command is not installed for this platform/)
  assert.ok(r.stderr.includes(missing), r.stderr)
  assert.throws(() => {
    const saved = process.env.RUDDER_GROUP_BIN
    process.env.RUDDER_GROUP_BIN = missing
    try {
      binaryPath()
    } finally {
      if (saved === undefined) delete process.env.RUDDER_GROUP_BIN
      else process.env.RUDDER_GROUP_BIN = saved
    }
  }, { code: 'RUDDER_GROUP_NO_BINARY' })
})
