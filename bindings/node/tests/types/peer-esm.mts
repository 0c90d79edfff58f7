// Written against @rudderstack/rudder-sdk-node 3.0.13 and its typings, as an ES module; only the
// imports name rudder-group/compat. It compiles as it did against the peer.
import Analytics from 'rudder-group/compat'
import type { constructorOptions, GroupParams } from 'rudder-group/compat'

declare const WRITE_KEY: string
declare const DATA_PLANE_URL: string

const options: constructorOptions = { dataPlaneUrl: DATA_PLANE_URL, flushAt: 20, logLevel: 'debug' }
const client: Analytics = new Analytics(WRITE_KEY, options)
const message: GroupParams = { anonymousId: 'anon-1', groupId: 'acme', traits: { name: 'Acme' } }
const other: Analytics.GroupParams = { userId: 'user-7', groupId: 'acme' }
client.group(message).group(other, () => { console.log('queued') })
await client.flush()
