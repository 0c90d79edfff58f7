// The typings of rudder-group/compat: @rudderstack/rudder-sdk-node's Analytics, for group calls.

import type { FlushResult, Outcome, RudderGroupError, Value, ValueObject } from './rudder-group'

declare namespace Analytics {
  /** The peer's options; a value left out keeps rudder-group's default. */
  interface Options {
    /** The data plane, e.g. `https://hosted.rudderlabs.com` (required: there is no default). */
    dataPlaneUrl?: string
    /** The data plane, when dataPlaneUrl is not given. */
    host?: string
    /** A batch is due when this many events are queued: flushAt (default 100). */
    flushAt?: number
    /** … or when its oldest event has waited this many milliseconds: flushInterval (default 1000). */
    flushInterval?: number
    /** Events queued at most: maxQueueEvents (default 100000). */
    maxInternalQueueSize?: number
    /** The largest request body in bytes: maxBatchBytes (default 1024000). */
    maxQueueSize?: number
    /**
     * Retries of a batch: a retry budget that covers the peer's retry window (240 * (2^n - 1) ms
     * of waits and n request timeouts) and at most 2n + 8 requests (default: none, the Client's
     * 120 s budget ends retries).
     */
    retryCount?: number
    /** How long one request may take, in milliseconds or as '10s': requestTimeout (default 30000). */
    timeout?: number | string
    /** false: validate group calls and send nothing (default true). */
    enable?: boolean
    /** gzip request bodies (default true). */
    gzip?: boolean
    /** The console's log level (default "info"). */
    logLevel?: 'log' | 'debug' | 'info' | 'warn' | 'error' | 'none'
    /** Called with a DELIVERY_FAILED error for events that failed, were dropped or were refused. */
    errorHandler?: (err: RudderGroupError) => void
    /** Not honoured (warned about once). */
    path?: string
    /** Not honoured (warned about once). */
    axiosConfig?: object
    /** Not honoured (warned about once). */
    axiosInstance?: object
    /** Not honoured (warned about once). */
    axiosRetryConfig?: object
  }

  /** A group call as the peer takes it. */
  interface GroupMessage {
    groupId: string | number
    userId?: string | number
    anonymousId?: string | number
    traits?: ValueObject
    context?: ValueObject
    integrations?: ValueObject
    /** Sent as the event's `timestamp` and stored unchanged, as the peer sends it. */
    timestamp?: Date
    /** When the event happened; the time of the call when not given. */
    originalTimestamp?: Date | string
    messageId?: string
    [key: string]: Value
  }

  /** Called once the event has its outcome: `err` is undefined when it was delivered. */
  type Callback = (err?: RudderGroupError, outcome?: Outcome) => void
}

/** @rudderstack/rudder-sdk-node's Analytics, for group calls, over rudder-group's Client. */
declare class Analytics {
  /** Throws RudderGroupError INVALID_CONFIG naming the option at fault. */
  constructor (writeKey: string, options?: Analytics.Options)
  readonly writeKey: string
  /** The data plane URL in use. */
  readonly host: string
  readonly enable: boolean
  /** Validates and enqueues a group call; returns this. */
  group (message: Analytics.GroupMessage, callback?: Analytics.Callback): this
  /**
   * Resolves once every event queued before it has an outcome. An argument that is not a
   * function is ignored, as flush() without one.
   */
  flush (callback?: (err?: RudderGroupError, result?: FlushResult) => void): Promise<FlushResult | undefined>
}

export = Analytics
