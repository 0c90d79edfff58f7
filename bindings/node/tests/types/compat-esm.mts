// The drop-in's ESM entry point: the class as the default export.
import Analytics from 'rudder-group/compat'

const analytics: Analytics = new Analytics('k', { host: 'https://dataplane.example.com' })
analytics.group({ anonymousId: 'a', groupId: 'g' }).group({ userId: 'u', groupId: 'h' })
