// The drop-in's typings: the peer SDK's calls compile unchanged.
import Analytics = require('rudder-group/compat')

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
const flushed: Promise<unknown> = analytics.flush((err, result) => { console.log(err?.code, result?.delivered) })
console.log(same, flushed)

// @ts-expect-error groupId is a string or a number
analytics.group({ userId: 'u', groupId: true })

// @ts-expect-error logLevel is one of the peer's levels
new Analytics('k', { logLevel: 'loud' })
