// A user's own test of code that sends group calls, as it would be written against the
// installed npm package: rudder-group/testing's LocalDataPlane starts the packaged `rudder-group
// serve`. Run by check.sh with node --test in a scratch project, with no RUDDER_GROUP_BIN set:
// the data plane is the one the package ships.
import { test, after, before } from 'node:test'
import assert from 'node:assert/strict'
import { Client } from 'rudder-group'
import { LocalDataPlane } from 'rudder-group/testing'

let plane
before(async () => { plane = await LocalDataPlane.start() })
after(() => plane.stop())

test('a group call reaches the local data plane', async () => {
  const client = new Client({ writeKey: plane.writeKey, dataPlaneUrl: plane.url })
  client.group({ groupId: 'dist-user-test', userId: 'u1', traits: { name: 'Acme' } })
  await client.close()
  const events = await plane.events()
  assert.deepEqual(events.map((e) => [e.groupId, e.traits.name]), [['dist-user-test', 'Acme']])
})

test('reset() empties it for the next test', async () => {
  await plane.reset()
  assert.deepEqual(await plane.events(), [])
})
