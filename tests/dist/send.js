// Sends COUNT group calls through the installed `rudder-group` npm package to RUDDER_DATA_PLANE_URL.
// Run by check.sh from a scratch npm project; exits non-zero unless every event was delivered.
'use strict'

const path = require('node:path')
const { Client } = require('rudder-group')

const COUNT = 5
const where = path.dirname(require.resolve('rudder-group/package.json'))
const { version } = require('rudder-group/package.json')

async function main () {
  if (!where.includes(`${path.sep}node_modules${path.sep}`)) {
    throw new Error(`rudder-group resolved to ${where}, not to node_modules`)
  }
  const client = new Client({ writeKey: 'test-write-key', dataPlaneUrl: process.env.RUDDER_DATA_PLANE_URL, flushAt: 2 })
  for (let i = 0; i < COUNT; i++) {
    client.group({ groupId: 'dist-node', userId: `user-${i}`, traits: { name: 'Acme', seat: i } })
  }
  const { delivered, failed, dropped } = await client.flush({ timeout: 30000 })
  await client.close()
  if (delivered !== COUNT || failed !== 0 || dropped !== 0) {
    throw new Error(`expected ${COUNT} delivered, got ${JSON.stringify({ delivered, failed, dropped })}`)
  }
  console.log(`node: ${COUNT} delivered by rudder-group ${version} from ${where}`)
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
