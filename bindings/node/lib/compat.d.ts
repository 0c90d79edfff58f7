// The typings of rudder-group/compat: @rudderstack/rudder-sdk-node's Analytics, for group calls.
// The peer's public type names that a group call touches are here with shapes its code compiles
// against (apiObject, integrationOptions, constructorOptions, apiCallback, FlushCallback,
// GroupParams); where the values differ at run time (errorHandler's error, the flush callback's
// data), the types are this package's, so code that read the peer's shape does not compile.
// The package's own GroupParams, Client.group()'s, is rudder-group's: `import type
// { GroupParams } from 'rudder-group'`.

import type { FlushResult, Outcome, RudderGroupError, Value } from './rudder-group'

declare namespace Analytics {
  /** A plain object of values (traits, context), as the peer types it. */
  interface apiObject {
    [index: string]:
      | string
      | number
      | boolean
      | undefined
      | apiObject
      | Date
      | null
      | (string | number | boolean | apiObject | Date | null | undefined)[]
  }

  /** Destinations to send to (`{ All: true }` when left out), as the peer types them. */
  interface integrationOptions {
    /** false sends to no destination but those named `true`. */
    All?: boolean
    [index: string]: boolean | apiObject | undefined
  }

  /** The peer's options; a value left out keeps rudder-group's default. */
  interface constructorOptions {
    /** The data plane, e.g. `https://hosted.rudderlabs.com` (required: there is no default). */
    dataPlaneUrl?: string
    /** The data plane, when dataPlaneUrl is not given. */
    host?: string
    /** A batch is due when this many events are queued: the Client's flushAt. */
    flushAt?: number
    /** … or when its oldest event has waited this many milliseconds: the Client's flushInterval. */
    flushInterval?: number
    /** Events queued at most: the Client's maxQueueEvents. */
    maxInternalQueueSize?: number
    /** The largest request body in bytes: the Client's maxBatchBytes. */
    maxQueueSize?: number
    /**
     * Retries of a batch: a retry budget that covers the peer's retry window (240 * (2^n - 1) ms
     * of waits and n request timeouts) and at most 2n + 8 requests (unset: the Client's
     * retry.maxElapsed budget ends retries).
     */
    retryCount?: number
    /** How long one request may take, in milliseconds or as '10s': the Client's requestTimeout. */
    timeout?: number | string
    /** false: validate group calls and send nothing (default true). */
    enable?: boolean
    /** gzip request bodies: the Client's gzip. */
    gzip?: boolean
    /**
     * rudder-group's own: 'strict' (the default) refuses an event that breaks a reserved trait's
     * rule (a negative employees); 'lenient' sends it as given, with a warning line.
     */
    validation?: 'strict' | 'lenient'
    /**
     * The console's log level: 'log', 'debug', 'info' (the default), 'warn', 'error' or 'none';
     * another value is refused with INVALID_CONFIG. 'debug' shows each request, retry and
     * outcome; failed, dropped and refused events are error lines.
     */
    logLevel?: string
    /**
     * Called with a RudderGroupError (never an HTTP client's error): DELIVERY_FAILED for events
     * that failed or were dropped, the core's code for events refused without throwing.
     */
    errorHandler?: (error: RudderGroupError) => void
    /** Not honoured (warned about once). */
    path?: string
    /** Not honoured (warned about once). */
    axiosConfig?: any
    /** Not honoured (warned about once). */
    axiosInstance?: any
    /** Not honoured (warned about once). */
    axiosRetryConfig?: any
  }

  /** Who makes a group call: a userId, an anonymousId, or both. */
  type IdentityOptions =
    | {
      /** The user's id: this or `anonymousId` is required. */
      userId: string | number
      /** An anonymous id, sent beside `userId`. */
      anonymousId?: string | number
    }
    | {
      /** The user's id, when known. */
      userId?: string | number
      /** An anonymous id: this or `userId` is required. */
      anonymousId: string | number
    }

  /** A group call as the peer takes it (number ids, which the peer's code sends, included). */
  type GroupParams = {
    /** The group's id. */
    groupId: string | number
    /** The group's traits. */
    traits?: apiObject
    /** The event's context; `library` is set by the SDK. */
    context?: apiObject
    /** Destinations to send to. */
    integrations?: integrationOptions
    /** Sent as the event's `timestamp` and stored unchanged, as the peer sends it. */
    timestamp?: Date | string
    /** When the event happened; the time of the call when not given. */
    originalTimestamp?: Date | string
    /** The event's id; one is made when not given. */
    messageId?: string
    /** Another key is not sent (warned about once). */
    [key: string]: Value
  } & IdentityOptions

  /** Called once the event has its outcome: `err` is undefined when it was delivered. */
  type apiCallback = (err?: RudderGroupError, outcome?: Outcome) => void

  /** flush()'s callback: `data` is { delivered, failed, dropped } since the previous flush. */
  type FlushCallback = (error?: RudderGroupError, data?: FlushResult) => void

  /** The options, by this package's earlier name. */
  type Options = constructorOptions
  /** A group call, by this package's earlier name. */
  type GroupMessage = GroupParams
  /** group()'s callback, by this package's earlier name. */
  type Callback = apiCallback
}

/** @rudderstack/rudder-sdk-node's Analytics, for group calls, over rudder-group's Client. */
declare class Analytics {
  /** Throws RudderGroupError INVALID_CONFIG naming the option at fault. */
  constructor (writeKey: string, options?: Analytics.constructorOptions)
  /** The source's write key the client was made with. */
  readonly writeKey: string
  /** The data plane URL in use. */
  readonly host: string
  /** false: every call is accepted and nothing is sent (the peer's `enable` option). */
  readonly enable: boolean
  /** Validates and enqueues a group call; returns this. */
  group (message: Analytics.GroupParams, callback?: Analytics.apiCallback): this
  /**
   * Resolves once every event queued before it has an outcome: with { delivered, failed,
   * dropped }, typed void as the peer types it (Client.flush() types it). An argument that is
   * not a function is ignored, as flush() without one.
   */
  flush (callback?: Analytics.FlushCallback): Promise<void>
}

export = Analytics
