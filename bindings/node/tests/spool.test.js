'use strict'
// The durable spool through Node: spoolDir keeps what group() accepted across a client that
// could not deliver; a second client on the directory is refused with the holder's pid.

const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const net = require('node:net')
const os = require('node:os')
const path = require('node:path')
const { Client, RudderGroupError } = require('rudder-group')
const { startDataPlane, eventually, WRITE_KEY } = require('./helpers.js')

let plane

test.before(async () => { plane = await startDataPlane() })
test.after(async () => { await plane.stop() })

/** A URL where nothing listens: every connection is refused. */
async function refusingUrl () {
  const server = net.createServer()
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address()
  await new Promise((resolve) => server.close(resolve))
  return `http://127.0.0.1:${port}`
}

test('the spool keeps events for the next client, which sends them first', async () => {
  const spoolDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rudder-group-spool-'))
  const down = new Client({ writeKey: WRITE_KEY, dataPlaneUrl: await refusingUrl(), spoolDir, flushInterval: 60000 })
  const ids = []
  // One identity: one lane, so the next client resends them in the order they were enqueued.
  for (let i = 0; i < 30; i++) ids.push(down.group({ groupId: 'g', userId: 'spooled' }))
  assert.throws(
    () => new Client({ writeKey: WRITE_KEY, dataPlaneUrl: plane.url, spoolDir }),
    (err) => err instanceof RudderGroupError && err.code === 'INVALID_CONFIG' &&
      err.setting === 'spoolDir' && err.message.includes(`process ${process.pid}`)
  )
  await assert.rejects(down.close({ timeout: 0 }), (err) => err.code === 'FLUSH_TIMEOUT')
  assert.equal(down.stats.dropped, 0)
  // The second close waits for the lanes to stop, which releases the spool.
  await down.close()

  const outcomes = []
  const up = new Client({
    writeKey: WRITE_KEY, dataPlaneUrl: plane.url, spoolDir, spoolSync: 'interval', spoolSyncInterval: 20, onOutcome: (o) => outcomes.push(o)
  })
  assert.deepStrictEqual(await up.flush({ timeout: 60000 }), { delivered: 30, failed: 0, dropped: 0 })
  assert.equal(up.stats.recovered, 30)
  assert.equal(up.stats.spoolSkipped, 0)
  await up.close()
  assert.deepStrictEqual((await plane.events()).map((e) => e.messageId), ids)
  await eventually(() => outcomes.flatMap((o) => o.messageIds).length === 30)
  assert.deepStrictEqual(outcomes.flatMap((o) => o.messageIds).sort(), [...ids].sort())
  assert.deepStrictEqual(fs.readdirSync(spoolDir), ['LOCK'])
  fs.rmSync(spoolDir, { recursive: true })
})
