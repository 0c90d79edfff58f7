// The drop-in's typings: the peer SDK's calls compile unchanged.
import Analytics = require('rudder-group/compat')
import type { GroupParams } from 'rudder-group'

const analytics = new Analytics('WRITE_KEY', {
  dataPlaneUrl: 'https://dataplane.example.com',
  flushAt: 20,
  timeout: '10s',
  logLevel: 'warn',
  errorHandler: (err) => { console.log(err.code) }
})
const same: Analytics = analytics.group(
  { userId: 'u', groupId: 42, traits: { name: 'Acme' }, timestamp: new Date() },
  (err, outcome) => { console.log(err?.code, outcome?.kind) }
)
const flushed: Promise<void> = analytics.flush((err, result) => { console.log(err?.code, result?.delivered) })
console.log(same, flushed)

// @ts-expect-error groupId is a string or a number
analytics.group({ userId: 'u', groupId: true })

// @ts-expect-error a group call names who makes it
analytics.group({ groupId: 'g' })

// The package's own GroupParams (Client.group()'s) stays rudder-group's, apart from the peer's.
const ours: GroupParams = { groupId: 'g', userId: 'u', traits: { employees: 10n } }
// @ts-expect-error the peer's apiObject has no bigint
const theirs: Analytics.GroupParams = ours
console.log(theirs)

new Analytics('k', {
  // @ts-expect-error errorHandler gets a RudderGroupError, not the peer's HTTP client's error
  errorHandler: (error) => { console.log(error.response.status) }
})

// @ts-expect-error flush()'s data is { delivered, failed, dropped }, not the peer's batch
analytics.flush((error, data) => { console.log(data?.batch) })

// validation is rudder-group's own option: 'strict' (the default) or 'lenient'.
new Analytics('k', { host: 'https://dataplane.example.com', validation: 'lenient' })
// @ts-expect-error validation is 'strict' or 'lenient'
new Analytics('k', { validation: 'loose' })
