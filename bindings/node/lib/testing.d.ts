// The typings of rudder-group/testing: a local data plane for testing code that sends group calls.

/** What `LocalDataPlane.start()` takes; every option may be left out. */
export interface LocalDataPlaneOptions {
  /**
   * The `rudder-group` program. By default the one `npx rudder-group` runs: `$RUDDER_GROUP_BIN`,
   * else the one this package ships, else the platform package's.
   */
  binary?: string
  /** The write key the data plane accepts (any other is answered 401); by default a fresh random one. */
  writeKey?: string
  /** The loopback port to listen on; 0 (the default) lets the system pick a free one. */
  port?: number
  /** Milliseconds added before every data request is answered (serve's `--latency-ms`, 0 to 600,000). */
  latencyMs?: number
  /** Requests handled at once before 503 (serve's `--max-in-flight`, 1 to 65,536; default 64). */
  maxInFlight?: number
  /** Requests per second before 429 (serve's `--rate-limit`, 1 to 1,000,000; off by default). */
  rateLimit?: number
}

/** An event as the data plane stored it: as sent, with the fields the gateway adds. */
export interface StoredEvent {
  /** `"group"` for a group call. */
  type?: string
  /** The event's id (the data plane adds one when the event has none). */
  messageId: string
  /** The group's id. */
  groupId?: string
  /** The user's id. */
  userId?: string
  /** The anonymous id. */
  anonymousId?: string
  /** The group's traits, as sent. */
  traits?: Record<string, unknown>
  /** The event's context, as sent. */
  context?: Record<string, unknown>
  /** The destinations to send to, as sent. */
  integrations?: Record<string, unknown>
  /** When it happened, as sent (`originalTimestamp`). */
  originalTimestamp?: string
  /** When the SDK sent it. */
  sentAt?: string
  /** When the request arrived, added by the data plane. */
  receivedAt: string
  /** When it happened, corrected for the sender's clock, added by the data plane. */
  timestamp?: string
  [key: string]: unknown
}

/** A data request the data plane answered. */
export interface ReceivedRequest {
  /** e.g. `"POST"`. */
  method: string
  /** The path without the query, e.g. `"/v1/batch"`. */
  path: string
  /** The request's headers by lower-cased name; repeated ones joined with `", "`. */
  headers: Record<string, string>
  /** The status it was answered with. */
  status: number
  /** The body of the answer, e.g. `"OK"`. */
  body: string
  /**
   * The events of the request as sent (before the data plane added anything); empty for a
   * request refused by the gateway's checks (401, 413, 429, 503, ...).
   */
  events: Array<Record<string, unknown>>
  /** When it arrived, e.g. `"2022-02-01T19:14:18.381Z"`. */
  received_at: string
}

/** The counts of `requests()` and `events()`. */
export interface DataPlaneStats {
  /** Data requests received. */
  requests: number
  /** Events stored. */
  events: number
}

/** Which of the coming data requests a fault applies to: one of these, by default `next: 1`. */
export type FaultRequests =
  | {
    /** The next N requests. */
    next?: number
    /** Not with this choice: the choices exclude each other. */
    fraction?: never
    /** Not with this choice: the choices exclude each other. */
    requests?: never
    /** Not with this choice: the choices exclude each other. */
    every?: never
  }
  | {
    /** Each request with this chance, 0 to 1. */
    fraction: number
    /** Not with this choice: the choices exclude each other. */
    next?: never
    /** Not with this choice: the choices exclude each other. */
    requests?: never
    /** Not with this choice: the choices exclude each other. */
    every?: never
  }
  | {
    /** The requests of these numbers, counted from 1 since the last reset. */
    requests: readonly [first: number, last: number]
    /** Not with this choice: the choices exclude each other. */
    next?: never
    /** Not with this choice: the choices exclude each other. */
    fraction?: never
    /** Not with this choice: the choices exclude each other. */
    every?: never
  }
  | {
    /** Every Nth request. */
    every: number
    /** Not with this choice: the choices exclude each other. */
    next?: never
    /** Not with this choice: the choices exclude each other. */
    fraction?: never
    /** Not with this choice: the choices exclude each other. */
    requests?: never
  }

/** What a fault does to the requests it applies to: one of these. */
export type FaultKind =
  | {
    /** Answer with this status, 200 to 999. */
    status: number
    /** The Retry-After header of the answer, in seconds or as an HTTP date. */
    retry_after?: string | number
    /** Not with this choice: the choices exclude each other. */
    latency_ms?: never
    /** Not with this choice: the choices exclude each other. */
    drop?: never
    /** Not with this choice: the choices exclude each other. */
    outage_ms?: never
  }
  | {
    /** Answer this many milliseconds later. */
    latency_ms: number
    /** Not with this choice: the choices exclude each other. */
    status?: never
    /** Not with this choice: the choices exclude each other. */
    retry_after?: never
    /** Not with this choice: the choices exclude each other. */
    drop?: never
    /** Not with this choice: the choices exclude each other. */
    outage_ms?: never
  }
  | {
    /** Close the connection without an answer. */
    drop: true
    /** Not with this choice: the choices exclude each other. */
    status?: never
    /** Not with this choice: the choices exclude each other. */
    retry_after?: never
    /** Not with this choice: the choices exclude each other. */
    latency_ms?: never
    /** Not with this choice: the choices exclude each other. */
    outage_ms?: never
  }

/** An outage: no data request is answered for this long; it takes no choice of requests. */
export interface Outage {
  /** How long, in milliseconds. */
  outage_ms: number
  /** Not with this choice: the choices exclude each other. */
  status?: never
  /** Not with this choice: the choices exclude each other. */
  retry_after?: never
  /** Not with this choice: the choices exclude each other. */
  latency_ms?: never
  /** Not with this choice: the choices exclude each other. */
  drop?: never
  /** Not with this choice: the choices exclude each other. */
  next?: never
  /** Not with this choice: the choices exclude each other. */
  fraction?: never
  /** Not with this choice: the choices exclude each other. */
  requests?: never
  /** Not with this choice: the choices exclude each other. */
  every?: never
}

/**
 * A fault, in the admin API's own (snake_case) names: what it does (`status`, `latency_ms`,
 * `drop`) and which requests it applies to (`next`, `fraction`, `requests`, `every`), or an
 * `outage_ms`. For example `{ status: 503, next: 2 }`, `{ status: 429, retry_after: 1 }`,
 * `{ drop: true, every: 3 }`, `{ outage_ms: 2000 }`.
 */
export type Fault = (FaultKind & FaultRequests) | Outage

/**
 * `LocalDataPlane.start()` could not start the data plane (`binary` is the program tried, null
 * when none was found), or its admin API failed.
 */
export declare class LocalDataPlaneError extends Error {
  /** Always `'LocalDataPlaneError'`. */
  name: 'LocalDataPlaneError'
  /** The program that was tried, or that runs the data plane. */
  binary: string | null
  /** `RUDDER_GROUP_NO_BINARY` when no `rudder-group` program was found. */
  code?: string
}

/**
 * `rudder-group serve` in a process of its own, on a loopback port, accepting one write key,
 * with its admin API as methods: what it stored, and faults that make it answer as a failing
 * gateway would.
 *
 * Its process never outlives it: `stop()` ends it; so does this process's exit, and since
 * serve exits when its stdin (a pipe from this process) closes, a test run that is killed
 * leaves none behind. While it runs, it keeps the event loop alive, as a listening server does:
 * call `stop()` (in `after`/`afterAll`) so that the process can end.
 */
export declare class LocalDataPlane {
  private constructor ()

  /**
   * Starts `rudder-group serve` and resolves once it listens (its URL is its first line of
   * output, so no port is raced for). Rejects with a LocalDataPlaneError naming the program and
   * why it did not start: not found (with every place looked at), not executable, or its exit
   * status and what it printed on stderr; with a TypeError for an unknown option.
   */
  static start (options?: LocalDataPlaneOptions): Promise<LocalDataPlane>

  /** The data plane's URL, e.g. `http://127.0.0.1:40123`: a client's `dataPlaneUrl`. */
  readonly url: string
  /** The write key it accepts: a client's `writeKey`. */
  readonly writeKey: string
  /** The program that runs it. */
  readonly binary: string
  /** The process id of `rudder-group serve`. */
  readonly pid: number
  /** Whether `stop()` was called. */
  readonly stopped: boolean

  /** Every event stored, in arrival order, as the data plane stored it. */
  events (): Promise<StoredEvent[]>
  /** Every data request answered, in arrival order. */
  requests (): Promise<ReceivedRequest[]>
  /** The counts of `requests()` and `events()`. */
  stats (): Promise<DataPlaneStats>
  /** Forgets every request, event and fault (an outage ends). */
  reset (): Promise<void>
  /**
   * Makes the data plane fail the coming data requests, as a failing gateway would. Faults add
   * up; `clearFaults()` or `reset()` ends them. A fault the data plane refuses rejects with a
   * TypeError giving its reason.
   */
  fault (fault: Fault): Promise<void>
  /** Ends every fault (an outage too); what was stored stays. */
  clearFaults (): Promise<void>
  /**
   * Ends the data plane and resolves once its process has exited; afterwards nothing of it
   * keeps the event loop alive, and the other methods reject. Idempotent.
   */
  stop (): Promise<void>
}
