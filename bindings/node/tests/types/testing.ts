// rudder-group/testing's typings: a test's use of LocalDataPlane compiles; a fault in the wrong
// shape does not.
import { Client } from 'rudder-group'
import {
  LocalDataPlane,
  LocalDataPlaneError,
  type DataPlaneStats,
  type Fault,
  type LocalDataPlaneOptions,
  type ReceivedRequest,
  type StoredEvent
} from 'rudder-group/testing'

async function use (): Promise<void> {
  const options: LocalDataPlaneOptions = { writeKey: 'k', port: 0, latencyMs: 5, maxInFlight: 8, rateLimit: 100 }
  const plane: LocalDataPlane = await LocalDataPlane.start(options)
  const client = new Client({ writeKey: plane.writeKey, dataPlaneUrl: plane.url })
  client.group({ groupId: 'acme', userId: 'u1' })
  await client.close()

  const events: StoredEvent[] = await plane.events()
  const messageId: string = events[0].messageId
  const receivedAt: string = events[0].receivedAt
  const plan: unknown = events[0].traits?.plan
  const requests: ReceivedRequest[] = await plane.requests()
  const statuses: number[] = requests.map((r) => r.status)
  const contentType: string | undefined = requests[0].headers['content-type']
  const stats: DataPlaneStats = await plane.stats()
  console.log(messageId, receivedAt, plan, statuses, contentType, stats.events + stats.requests)

  const faults: Fault[] = [
    { status: 503 },
    { status: 503, next: 2 },
    { status: 429, retry_after: 1, fraction: 0.5 },
    { status: 500, retry_after: 'Wed, 21 Oct 2015 07:28:00 GMT', requests: [2, 4] },
    { latency_ms: 200, every: 3 },
    { drop: true },
    { outage_ms: 2000 }
  ]
  for (const fault of faults) await plane.fault(fault)
  await plane.clearFaults()
  await plane.reset()
  const stopped: Promise<void> = plane.stop()
  await stopped
  const done: boolean = plane.stopped
  const pid: number = plane.pid
  const binary: string = plane.binary
  console.log(done, pid, binary)

  // @ts-expect-error a fault does one thing
  await plane.fault({ status: 500, latency_ms: 10 })
  // @ts-expect-error retry_after goes with status only
  await plane.fault({ drop: true, retry_after: 1 })
  // @ts-expect-error one choice of requests
  await plane.fault({ status: 500, next: 1, every: 2 })
  // @ts-expect-error an outage takes no choice of requests
  await plane.fault({ outage_ms: 10, next: 1 })
  // @ts-expect-error drop is true or left out
  await plane.fault({ drop: false })
  // @ts-expect-error the admin API's names, not camelCase
  await plane.fault({ status: 429, retryAfter: 1 })
  // @ts-expect-error options are the ones listed
  await LocalDataPlane.start({ latency_ms: 5 })
  // @ts-expect-error a data plane comes from start()
  new LocalDataPlane()
}

async function failing (): Promise<void> {
  try {
    await LocalDataPlane.start({ binary: '/no/such/rudder-group' })
  } catch (err) {
    if (err instanceof LocalDataPlaneError) {
      const binary: string | null = err.binary
      const code: string | undefined = err.code
      console.log(binary, code, err.message)
    }
  }
}

console.log(use, failing)
