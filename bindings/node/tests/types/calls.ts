// Calls that must compile, and (with @ts-expect-error) calls that must not.
import {
  Client,
  GroupEvent,
  RudderGroupError,
  validate,
  ERROR_CODES,
  type ErrorCode,
  type GroupParams,
  type GroupTraits,
  type Issue,
  type Outcome,
  type Stats
} from 'rudder-group'

const traits: GroupTraits = {
  name: 'MyGroup',
  industry: 'IT',
  employees: 450,
  plan: 'basic',
  address: { city: 'Berlin', country: 'DE', floor: 3 },
  createdAt: new Date(),
  custom: { nested: [1, 'two', null, true, 3n] }
}

const client = new Client({
  writeKey: 'WRITE_KEY',
  dataPlaneUrl: 'https://dataplane.example.com',
  flushAt: 50,
  overflow: 'drop',
  validation: 'lenient',
  onOutcome: (o: Outcome) => { console.log(o.kind, o.messageIds.length) }
})

const id: string = client.group({ groupId: '12345', userId: 'u1', traits })
client.group({ groupId: 12345, anonymousId: 'a1' })
client.group({ groupId: 1n, userId: 7, anonymousId: 'a', timestamp: new Date(), context: { ip: '1.2.3.4' } })
client.group({ groupId: 'g', userId: 'u', traits: { employees: '1000-5000' } })

// @ts-expect-error groupId is required
client.group({ userId: 'u1', traits })

// @ts-expect-error userId or anonymousId is required
client.group({ groupId: '12345', traits })

// @ts-expect-error a null userId does not identify anyone
client.group({ groupId: '12345', userId: null })

// @ts-expect-error employees is a number or a string
client.group({ groupId: 'g', userId: 'u', traits: { employees: true } })

// @ts-expect-error the address is an object
client.group({ groupId: 'g', userId: 'u', traits: { address: 'Main Street 1' } })

// @ts-expect-error validation is 'strict' or 'lenient'
new Client({ writeKey: 'k', validation: 'loose' })

const params: GroupParams = { groupId: 'g', anonymousId: 'a' }
const event = GroupEvent.build(params)
const text: string = event.toString()
const messageId: string = event.messageId
const issues: Issue[] = validate(text)
const codes: readonly ErrorCode[] = ERROR_CODES

async function lifecycle (): Promise<number> {
  const r = await client.flush({ timeout: 1000 })
  const s: Stats = client.stats
  await client.close()
  return r.delivered + s.queued
}

try {
  GroupEvent.build({ groupId: '', userId: 'u' })
} catch (err) {
  if (err instanceof RudderGroupError) {
    const code: ErrorCode = err.code
    const first: string | undefined = err.issues[0]?.path
    console.log(code, first)
  }
}

const notACode: ErrorCode = 'MISSING_GROUP_ID'
// @ts-expect-error not one of the codes
const wrongCode: ErrorCode = 'MISSING_GROUPID'

console.log(id, text, messageId, issues, codes, lifecycle, notACode, wrongCode)

// Callbacks: group() once the event has its outcome, flush() and close() instead of a Promise.
client.group({ groupId: 'g', userId: 'u' }, (err, outcome) => { console.log(err?.code, outcome.kind) })
const nothing: void = client.flush((err, result) => { console.log(err?.code, result?.delivered) })
client.close({ timeout: 1000 }, (err) => { console.log(err?.code, nothing) })
const later: Promise<Stats | unknown> = client.flush({ timeout: 1000 })
console.log(later)

// A logger: console, or any object with some of its methods.
const logged = new Client({ writeKey: 'k', transport: 'memory', logger: console })
const quiet = new Client({ writeKey: 'k', transport: 'memory', logger: { warn: (m: string) => { console.log(m) } } })
console.log(logged, quiet)
