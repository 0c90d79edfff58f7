'use strict'
// Where the `rudder-group` command (serve, send, validate, demo) is: the release build of it
// ships beside the addon, in this package when it was made for one machine (`make dist`) and in
// the platform package (rudder-group-<platform>) when installed from the registry.

const fs = require('node:fs')
const path = require('node:path')

const EXE = process.platform === 'win32' ? 'rudder-group.exe' : 'rudder-group'

/** The platform packages that may carry it, most likely first. */
function platformPackages () {
  const base = `rudder-group-${process.platform}-${process.arch}`
  if (process.platform !== 'linux') return [base]
  return [`${base}-gnu`, `${base}-musl`]
}

/**
 * The places looked at, in order: `$RUDDER_GROUP_BIN`, this package's own directory, then each
 * platform package that resolves.
 */
function candidates () {
  const out = []
  if (process.env.RUDDER_GROUP_BIN) out.push(process.env.RUDDER_GROUP_BIN)
  out.push(path.join(__dirname, '..', EXE))
  for (const name of platformPackages()) {
    try {
      out.push(path.join(path.dirname(require.resolve(`${name}/package.json`)), EXE))
    } catch {
      // Not installed: the next one.
    }
  }
  return out
}

/**
 * The path of a `rudder-group` executable that can run here (made executable if an installer
 * dropped its mode bits); throws an Error listing where it looked otherwise.
 */
function binaryPath () {
  const looked = candidates()
  for (const file of looked) {
    let stat
    try {
      stat = fs.statSync(file)
    } catch {
      continue
    }
    if (!stat.isFile()) continue
    try {
      fs.accessSync(file, fs.constants.X_OK)
    } catch {
      try {
        fs.chmodSync(file, stat.mode | 0o111)
      } catch {
        continue
      }
    }
    return file
  }
  const err = new Error(
    'the rudder-group command is not installed for this platform ' +
    `(${process.platform}-${process.arch}); looked at: ${looked.join(', ')}. ` +
    'Install rudder-group from the registry (its platform package carries the command), ' +
    'or set RUDDER_GROUP_BIN to a rudder-group executable.'
  )
  err.code = 'RUDDER_GROUP_NO_BINARY'
  throw err
}

module.exports = { binaryPath, candidates }
