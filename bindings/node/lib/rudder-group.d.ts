// The public typings of rudder-group. The native layer's own typings (index.d.ts) are generated
// by the napi CLI from the Rust docs; the shapes shared with it are taken from there.

import type {
  FlushResultInfo,
  IssueInfo,
  OutcomeInfo,
  StatsInfo
} from '../index'

/** The native layer's own shapes, as the napi CLI generates them. */
export type { ErrorInfo, FlushResultInfo, IssueInfo, OutcomeInfo, StatsInfo } from '../index'

/** Every stable error code. Validation codes first, then client codes. */
export type ErrorCode =
  | 'MISSING_GROUP_ID'
  | 'MISSING_IDENTITY'
  | 'INVALID_FIELD_TYPE'
  | 'INVALID_TRAIT'
  | 'INVALID_TIMESTAMP'
  | 'NON_FINITE_NUMBER'
  | 'UNSUPPORTED_VALUE'
  | 'TOO_DEEP'
  | 'EVENT_TOO_LARGE'
  | 'INVALID_JSON'
  | 'CLIENT_CLOSED'
  | 'QUEUE_FULL'
  | 'FLUSH_TIMEOUT'
  | 'DELIVERY_FAILED'
  | 'INVALID_CONFIG'

/** Every error code, in number order. */
export declare const ERROR_CODES: readonly ErrorCode[]

/** The package's version (the same for every crate and package of the project). */
export declare const VERSION: string

/**
 * A value an event can carry: what JSON can hold, plus `bigint` (exact), `Date` (written as an
 * ISO-8601 UTC instant) and `undefined` (left out, as JSON.stringify does).
 */
export type Value =
  | string
  | number
  | bigint
  | boolean
  | null
  | undefined
  | Date
  | Value[]
  | ValueObject

/** A plain object of values. */
export interface ValueObject {
  [key: string]: Value
}

/** An identifier: a string, or an integer (written as its decimal string). */
export type Id = string | number | bigint

/** The reserved `address` trait; other keys are allowed. */
export interface Address {
  /** The city. */
  city?: string | null
  /** The country. */
  country?: string | null
  /** The postal code. */
  postalCode?: string | null
  /** The state or region. */
  state?: string | null
  /** The street address. */
  street?: string | null
  [key: string]: Value
}

/**
 * A group's traits: the twelve reserved ones of the RudderStack Group spec, typed, and custom
 * ones of any name. `null` clears a trait downstream (not the same as leaving it out).
 */
export interface GroupTraits {
  /** The group's own id (a number is kept with its digits). */
  id?: string | number | bigint | null
  /** The group's name. */
  name?: string | null
  /** The group's email address. */
  email?: string | null
  /** The group's phone number. */
  phone?: string | null
  /** The group's industry. */
  industry?: string | null
  /** A description of the group. */
  description?: string | null
  /** The group's plan. */
  plan?: string | null
  /** The group's website. */
  website?: string | null
  /** A URL of the group's avatar. */
  avatar?: string | null
  /** The group's address. */
  address?: Address | null
  /** An ISO-8601 date or date-time, or a Date. */
  createdAt?: string | Date | null
  /** A non-negative integer, or a string (both are kept as given). */
  employees?: number | bigint | string | null
  [key: string]: Value
}

/** The fields of a group call besides who makes it. */
export interface GroupCallFields {
  /** The group (company, account): required, non-blank. */
  groupId: Id
  /** The group's traits: the reserved ones are checked, any other key is kept as given. */
  traits?: GroupTraits
  /** Context; `library` is set by the SDK. */
  context?: ValueObject
  /** Destinations to send to; `{ All: true }` when left out. */
  integrations?: ValueObject
  /** When the event happened (written as `originalTimestamp`); the time of the call when left out. */
  timestamp?: Date | string
  /** The event's id; a fresh UUID when left out. */
  messageId?: Id
}

/** A group call: a `groupId` and at least one of `userId` / `anonymousId`. */
export type GroupParams = GroupCallFields &
  (
    | {
      /** The user's id: this or `anonymousId` is required. */
      userId: Id
      /** An anonymous id, sent beside `userId`. */
      anonymousId?: Id | null
    }
    | {
      /** The user's id, when known. */
      userId?: Id | null
      /** An anonymous id: this or `userId` is required. */
      anonymousId: Id
    }
  )

/** One problem with an event. */
export type Issue = Omit<IssueInfo, 'code' | 'severity'> & {
  /** The stable code of the problem. */
  code: ErrorCode
  /** 'warning' for a reserved trait the lenient validation lets through, else 'error'. */
  severity: 'error' | 'warning'
}

/** Every failure the package reports. */
export declare class RudderGroupError extends Error {
  /** Always `'RudderGroupError'`. */
  readonly name: 'RudderGroupError'
  /** The stable code; for a refused event, the code of its first problem. */
  readonly code: ErrorCode
  /** Every problem of a refused event (errors, then warnings); empty for other errors. */
  readonly issues: Issue[]
  /** INVALID_CONFIG: the setting at fault, e.g. `flushAt` or `retry.maxAttempts`. */
  readonly setting?: string
  /** FLUSH_TIMEOUT: events not yet delivered (after a flush they stay queued). */
  readonly pending?: number
  /** DELIVERY_FAILED: events that failed. */
  readonly failed?: number
  /**
   * DELIVERY_FAILED: events that were dropped. FLUSH_TIMEOUT of a close: those of `pending` it
   * reported dropped (onOutcome and the callbacks have seen them when the close rejects).
   */
  readonly dropped?: number
  /** FLUSH_TIMEOUT of a close with spoolDir: those of `pending` left in the spool for the next client. */
  readonly kept?: number
}

/** How events are validated. */
export interface EventOptions {
  // BEGIN GENERATED: event options
  // @generated by `make generate` (tools/generate). DO NOT EDIT.
  /**
   * "lenient" turns reserved-trait errors into warnings; the event is sent as given. Accepts
   * "strict" or "lenient" (default "strict").
   */
  validation?: 'strict' | 'lenient'
  /**
   * The largest serialized event, sentAt included. The most is the gateway's limit on a request
   * body less the batch around one event. Accepts a whole number from 64 to 4095952 (default
   * 32768).
   */
  maxEventBytes?: number
  // END GENERATED: event options
}

/** One validated group call. */
export declare class GroupEvent {
  private constructor ()
  /** Builds and validates an event; throws RudderGroupError listing every problem. */
  static build (params: GroupParams, options?: EventOptions): GroupEvent
  /** Parses and validates JSON text as the data plane receives it; throws RudderGroupError. */
  static fromJSON (text: string, options?: EventOptions): GroupEvent
  /** The event's id; it stays the same across retries. */
  readonly messageId: string
  /** Reserved-trait problems let through by validation: 'lenient'. */
  readonly warnings: Issue[]
  /** Canonical JSON: the same bytes as the core writes. */
  toString (): string
  /** The event as a plain object (integers beyond 2^53 become the nearest JS number). */
  toJSON (): Record<string, unknown>
}

/** Every problem of a payload (an object or JSON text), errors first; empty when valid. */
export declare function validate (payload: object | string, options?: EventOptions): Issue[]

/**
 * A terminal outcome for some events. `count` is how many; `messageIds` names them all unless
 * the outcome is merged (`merged` > 1: the main thread fell behind), when it names 1,000 of them
 * and every one that has a group() or enqueue() callback.
 */
export type Outcome = Omit<OutcomeInfo, 'kind'> & {
  /** What happened to the events. */
  kind: 'delivered' | 'failed' | 'dropped'
}

/** Counters since the client started. */
export type Stats = StatsInfo

/** Outcomes reached since the previous flush. */
export type FlushResult = FlushResultInfo

/**
 * Client settings. Times are milliseconds, at most 86,400,000 (a day). Names, defaults and
 * ranges come from the client's settings table (the README lists it); a value out of range
 * throws INVALID_CONFIG naming the setting.
 */
export type ClientOptions = ClientSettings & (
  | {
    /** 'memory' keeps events in the process instead of sending them, for tests (see the README's table). */
    transport?: 'http'
    /** The data plane, e.g. `https://hosted.rudderlabs.com` (`/v1/batch` is added). */
    dataPlaneUrl: string
  }
  | {
    /** 'memory': events stay in the process, read back with `sentEvents()`. */
    transport: 'memory'
    /** Not needed with transport: 'memory'. */
    dataPlaneUrl?: string
  }
)

/** The settings of ClientOptions other than where events go. */
export interface ClientSettings extends EventOptions {
  // BEGIN GENERATED: client settings
  // @generated by `make generate` (tools/generate). DO NOT EDIT.
  /** The source's write key: the Basic-auth user name; never logged. */
  writeKey: string
  /**
   * A batch is due when this many events are queued. Accepts a whole number from 1 to 1000000
   * (default 100).
   */
  flushAt?: number
  /**
   * A batch is due when its oldest event has waited this long. Accepts a number of milliseconds
   * more than 0 and at most 86400000 (default 1000).
   */
  flushInterval?: number
  /**
   * The largest request body before gzip; at least one event of maxEventBytes. The most is the
   * gateway's limit on one request body, measured after gunzip. Accepts a whole number from 1 to
   * 4096000 (default 1024000).
   */
  maxBatchBytes?: number
  /** Events queued at most. Accepts a whole number from 1 to 4294967296 (default 100000). */
  maxQueueEvents?: number
  /**
   * Bytes queued at most; at least one event of maxEventBytes. Accepts a whole number from 1 to
   * 1099511627776 (default 67108864).
   */
  maxQueueBytes?: number
  /**
   * A full queue drops the new event, or blocks the caller up to blockTimeout. A dropped event is
   * counted and reported as a dropped outcome (`QUEUE_FULL`). Accepts "drop" or "block" (default
   * "drop").
   */
  overflow?: 'drop' | 'block'
  /**
   * With overflow "block": how long a call waits for room before dropping. Accepts a number of
   * milliseconds from 0 to 86400000 (default 1000).
   */
  blockTimeout?: number
  /** @deprecated The old name of `blockTimeout`, still accepted. */
  overflowTimeout?: number
  /**
   * Requests in flight at most, one per lane; an identity's events keep their order. Every event of
   * one identity (user id, else anonymous id) takes the same lane; 1 sends one request at a time.
   * The default was chosen by the wire benchmark (see the crate docs). Accepts a whole number from
   * 1 to 64 (default 8).
   */
  maxConcurrentRequests?: number
  /**
   * gzip request bodies (data planes older than 1.4 reject gzip). Accepts true or false (default
   * true).
   */
  gzip?: boolean
  /** gzip level, 0 (store) to 9 (smallest). Accepts a whole number from 0 to 9 (default 6). */
  gzipLevel?: number
  /**
   * How long connecting to the data plane may take. Accepts a number of milliseconds more than 0
   * and at most 86400000 (default 10000).
   */
  connectTimeout?: number
  /**
   * How long one request may take, answer included. Accepts a number of milliseconds more than 0
   * and at most 86400000 (default 30000).
   */
  requestTimeout?: number
  /** The retry policy: requests of 408, 429, 5xx and network errors. */
  retry?: {
    /**
     * Requests per batch at most; unset, the time budget alone ends retries. The first request
     * counts. Retried: 408, 429, 5xx, connection errors and timeouts. Accepts a whole number from 1
     * to 4294967295 (default null).
     */
    maxAttempts?: number
    /**
     * The retry budget: a batch is retried until this long after its first attempt. Accepts a
     * number of milliseconds from 0 to 86400000 (default 120000).
     */
    maxElapsed?: number
    /**
     * The first backoff's cap; each retry doubles it, up to retry.maxBackoff. Accepts a number of
     * milliseconds more than 0 and at most 86400000 (default 100).
     */
    initialBackoff?: number
    /**
     * The largest backoff between two attempts (a Retry-After may ask for more, up to 60 s).
     * Accepts a number of milliseconds more than 0 and at most 86400000 (default 10000).
     */
    maxBackoff?: number
  }
  /**
   * An HTTP(S) proxy URL; unset, HTTPS_PROXY / https_proxy / ALL_PROXY are read. Accepts a string
   * (default null).
   */
  proxy?: string
  /**
   * How long dropping (collecting, freeing) an open client waits to deliver what is queued. What is
   * still queued then is reported as dropped. Accepts a number of milliseconds from 0 to 86400000
   * (default 5000).
   */
  shutdownTimeout?: number
  /**
   * A directory for the durable spool: group() returns once the event is on disk, and a crash loses
   * nothing. An event leaves the spool only when its batch was acknowledged or failed for good; a
   * client started on a directory with events left in it sends them first, with their messageIds,
   * and its flush waits for them. A close that times out leaves what is unsent in the spool. One
   * live client per directory (another is refused with INVALID_CONFIG naming the holder's pid); a
   * child after fork(2) must not share its parent's spool. Accepts a string (default null).
   */
  spoolDir?: string
  /**
   * With a spool: its size on disk at most; past it the overflow policy applies. It bounds the
   * backlog in place of maxQueueBytes, which then bounds only what is also kept in memory. Accepts
   * a whole number from 1 to 17592186044416 (default 1073741824).
   */
  maxSpoolBytes?: number
  /**
   * With a spool: flush to disk per event, in groups off the caller's thread, or every
   * spoolSyncInterval. This matters on power loss only: a process crash loses nothing in any mode.
   * Accepts "event" or "group" or "interval" (default "group").
   */
  spoolSync?: 'event' | 'group' | 'interval'
  /**
   * With spoolSync "interval": how often the spool is flushed to disk. Accepts a number of
   * milliseconds more than 0 and at most 86400000 (default 1000).
   */
  spoolSyncInterval?: number
  // END GENERATED: client settings
  /**
   * Receives every terminal outcome on the main thread; what it throws becomes a process warning.
   * Count events with `outcome.count`: a merged outcome's messageIds may name only some of them.
   */
  onOutcome?: (outcome: Outcome) => void | Promise<void>
  /**
   * Where delivery is told about (console is one): debug for every outcome, each request (its
   * answer and time), each retry (why, and the wait) and each flush, info for each close, warn
   * for failed and dropped events. Unset, DEBUG=rudder-group writes the same
   * lines to stderr; with neither (and no onOutcome), the first failure of each kind is a process
   * warning. The write key is never logged.
   */
  logger?: Logger
}

/** A console-like logger; a method left out is skipped. */
export interface Logger {
  /** A debug line: each request, retry, outcome and flush. */
  debug?(message: string): void
  /** An info line: each close with its counts. */
  info?(message: string): void
  /** A warn line: failed and dropped events, a close out of time. */
  warn?(message: string): void
  /** An error line: sending failed unexpectedly. */
  error?(message: string): void
}

/** Options of flush() and close(). */
export interface WaitOptions {
  /** Milliseconds; without it the wait has no limit. */
  timeout?: number
}

/**
 * Called once an event has its outcome: `err` is null when it was delivered, a DELIVERY_FAILED
 * RudderGroupError when it failed or was dropped.
 */
export type OutcomeCallback = (err: RudderGroupError | null, outcome: Outcome) => void

/** Called when a flush or close ends: with its result, or with its error (FLUSH_TIMEOUT). */
export type WaitCallback = (err: RudderGroupError | null, result?: FlushResult) => void

/** Sends group calls: validated and queued at once, delivered by a native worker thread. */
export declare class Client {
  /** Throws RudderGroupError INVALID_CONFIG naming the setting at fault. */
  constructor (options: ClientOptions)
  /**
   * Validates and enqueues a group call; returns its messageId. Never waits on the network.
   * The callback, if given, is called once the event has its outcome.
   */
  group (params: GroupParams, callback?: OutcomeCallback): string
  /** Enqueues a built event; returns its messageId. The callback as in group(). */
  enqueue (event: GroupEvent, callback?: OutcomeCallback): string
  /**
   * Resolves when every event enqueued before it has an outcome and every callback has seen it;
   * rejects with FLUSH_TIMEOUT (nothing is lost).
   */
  flush (options?: WaitOptions): Promise<FlushResult>
  /** The same, reported to the callback instead of a Promise. */
  flush (callback: WaitCallback): void
  flush (options: WaitOptions | undefined, callback: WaitCallback): void
  /**
   * Flushes, then stops the worker; idempotent. On timeout what is left is reported dropped, or,
   * with spoolDir, stays in the spool for the next client, and it rejects with FLUSH_TIMEOUT
   * once onOutcome and the callbacks have seen every outcome.
   */
  close (options?: WaitOptions): Promise<FlushResult>
  /** The same, reported to the callback instead of a Promise. */
  close (callback: WaitCallback): void
  close (options: WaitOptions | undefined, callback: WaitCallback): void
  /** Counters since the client started. */
  readonly stats: Stats
  /** Whether close() was called. */
  readonly closed: boolean
  /** transport: 'memory' only: the events "sent" so far. */
  sentEvents (): Array<Record<string, unknown>>
}
