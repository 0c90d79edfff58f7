// A TypeScript script written against @rudderstack/rudder-sdk-node 3.x and its typings, as its
// README shows it. The side-by-side test compiles it with `tsc --strict` and runs it as it is,
// then with only its import naming rudder-group/compat.
import Analytics = require('@rudderstack/rudder-sdk-node')

const options: Analytics.constructorOptions = {
  dataPlaneUrl: process.env.RUDDER_DATA_PLANE_URL,
  logLevel: 'debug',
  errorHandler: (error) => { console.log('failed:', error?.message) }
}
const client = new Analytics(process.env.WRITE_KEY ?? '', options)

const traits: Analytics.apiObject = {
  name: 'Acme',
  employees: 450,
  plan: 'enterprise',
  address: { city: 'Berlin', country: 'DE' }
}
const acme: Analytics.GroupParams = {
  userId: 'user-7',
  groupId: 'acme',
  traits,
  context: { ip: '203.0.113.7', locale: 'de-DE' },
  integrations: { All: false, Amplitude: true }
}
client.group(acme)
// A backfill: the time of the event is the caller's, stored as given.
client.group({
  userId: 'user-8',
  groupId: 'globex',
  traits: { name: 'Globex', industry: 'Energy', createdAt: '2019-06-01T00:00:00Z' },
  timestamp: new Date('2024-03-01T12:30:05.678Z')
})
const sent: Analytics.apiCallback = () => { console.log('callback: initech-42') }
client.group({ anonymousId: 'anon-1', groupId: 'initech', traits: { name: 'Initech' }, messageId: 'initech-42' } as Analytics.GroupParams, sent)

const flushed: Analytics.FlushCallback = (error) => { if (error) console.log('flush failed:', error.message) }
client.flush(flushed).then(() => { console.log('flushed') }, (error: Error) => { console.log('flush failed:', error.message) })
