// Written against @rudderstack/rudder-sdk-node 3.0.13 and its typings, as its README uses it;
// only the import names rudder-group/compat. It compiles as it did against the peer.
import Analytics = require('rudder-group/compat')

declare const WRITE_KEY: string
declare const DATA_PLANE_URL: string
declare const LOG_LEVEL: string

const client = new Analytics(WRITE_KEY, {
  dataPlaneUrl: DATA_PLANE_URL // default: https://hosted.rudderlabs.com
})

const options: Analytics.constructorOptions = {
  dataPlaneUrl: DATA_PLANE_URL,
  path: '/v1/batch',
  flushAt: 20,
  flushInterval: 10000,
  maxQueueSize: 460800,
  maxInternalQueueSize: 20000,
  logLevel: LOG_LEVEL,
  axiosConfig: { timeout: 5000 },
  axiosRetryConfig: { retries: 2 },
  retryCount: 3,
  gzip: true,
  enable: true,
  errorHandler: (error) => { console.error('failed:', error?.message) }
}
const configured: Analytics = new Analytics(WRITE_KEY, options)

const traits: Analytics.apiObject = {
  name: 'Acme',
  employees: 450,
  createdAt: new Date(),
  address: { city: 'Berlin', country: undefined },
  tags: ['b2b', 7, true, null, { tier: 'gold' }]
}
const integrations: Analytics.integrationOptions = { All: false, Amplitude: true, Braze: { appId: 'x' } }
const message: Analytics.GroupParams = {
  userId: 'user-7',
  groupId: 'acme',
  traits,
  context: { ip: '1.2.3.4' },
  integrations,
  timestamp: new Date()
}
const queued: Analytics.apiCallback = () => { console.log('queued') }
const same: Analytics = client.group(message, queued)
client
  .group({ anonymousId: 'anon-1', groupId: 'acme', traits: { plan: 'pro' } })
  .group({ userId: 'user-8', anonymousId: 'anon-2', groupId: 'acme' }, () => { console.log('done') })

const afterFlush: Analytics.FlushCallback = (error, data) => {
  if (error) console.error(error.message)
  console.log(data)
}

async function main (): Promise<void> {
  await configured.flush(afterFlush)
  const flushed: Promise<void> = client.flush()
  await flushed
  await client.flush((error?: Error) => { if (error) console.error(error) })
}

main().catch((error: unknown) => { console.error(error) })
console.log(same)
