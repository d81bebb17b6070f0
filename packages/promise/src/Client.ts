/**
 * `createClient`: the TrackingMore v2 client of `@trackingmore-effect/client` for async/await code. Every method
 * returns a Promise (or an async iterable for `pollUntilFinal`), takes an `AbortSignal`, and rejects with the
 * error classes of this package; the retry policy, the 429 cooldown and the rate limiter run inside.
 *
 * @since 0.1.0
 */
import * as internalClient from "./internal/client.js"
import type * as Tracking from "./Tracking.js"
import type { ErrorOf, TrackingMoreError } from "./TrackingMoreError.js"

/**
 * A unit of a duration string.
 *
 * @since 0.2.0
 * @category models
 */
export type DurationUnit =
  | "nano"
  | "nanos"
  | "micro"
  | "micros"
  | "milli"
  | "millis"
  | "second"
  | "seconds"
  | "minute"
  | "minutes"
  | "hour"
  | "hours"
  | "day"
  | "days"
  | "week"
  | "weeks"

/**
 * A duration: milliseconds, or a string such as `"1 second"` or `"2 minutes"`.
 *
 * @since 0.2.0
 * @category models
 */
export type DurationInput = number | `${number} ${DurationUnit}`

/**
 * A rate limit: at most `limit` requests per `window` (milliseconds, or a string such as `"1 second"`).
 *
 * @since 0.1.0
 * @category models
 */
export interface RateLimit {
  readonly limit: number
  readonly window: DurationInput
}

/**
 * Rate limits per group: `realtime` (`realtime`), `list` (`list`) and `default` (everything else).
 *
 * @since 0.2.0
 * @category models
 */
export interface RateLimits {
  readonly default?: RateLimit | undefined
  readonly realtime?: RateLimit | undefined
  readonly list?: RateLimit | undefined
}

/**
 * Overrides of a backoff with full jitter: delays drawn from [0, min(cap, base·2ⁿ)], at most `maxRetries`.
 *
 * @since 0.2.0
 * @category models
 */
export interface JitterOptions {
  readonly base?: DurationInput
  readonly cap?: DurationInput
  readonly maxRetries?: number
}

/**
 * Overrides of the retry policy's defaults; every field optional. `null` for a halt means "until the client's
 * gate is reset" (in practice: for the life of the client).
 *
 * @since 0.2.0
 * @category models
 */
export interface PolicyOptions {
  /** 429: the key cools down for max(`wait`, Retry-After), at most `maxCooldowns` times per call (2 minutes, 5). */
  readonly tooManyRequests?: { readonly wait?: DurationInput; readonly maxCooldowns?: number }
  /** 503: full-jitter backoff (1 second base, 30 seconds cap, 6 retries). */
  readonly serviceUnavailable?: JitterOptions
  /** 500, transport errors, unreadable answers, idempotent calls only (500 ms base, 10 seconds cap, 3 retries). */
  readonly serverError?: JitterOptions
  /** 4031 with `register`: get again every `interval`, at most `maxRepolls` times (2 seconds, 5). */
  readonly notRegistered?: { readonly interval?: DurationInput; readonly maxRepolls?: number }
  /** 401, 4001, 4002, 403: how long the key is halted (default `null`: for the life of the client). */
  readonly authHalt?: DurationInput | null
  /** 402, 4019, 4021: how long the key is halted (default 10 minutes). */
  readonly billingHalt?: DurationInput | null
  /** Every call's deadline, checked before each wait (default 10 minutes). */
  readonly deadline?: DurationInput
}

/**
 * Options of {@link createClient}. Only `apiKey` is required; the defaults are the documented production
 * settings (1 request/s, 2-minute cooldown after a 429, …).
 *
 * @since 0.1.0
 * @category models
 */
export interface ClientOptions {
  /** The API key. Kept in an Effect `Redacted` box from here on; it appears in no output. */
  readonly apiKey: string
  /** Default `https://api.trackingmore.com/v2`. */
  readonly baseUrl?: string | undefined
  /** Overrides of the retry policy, e.g. `{ tooManyRequests: { wait: "2 minutes" }, deadline: "10 minutes" }`. */
  readonly policy?: PolicyOptions | undefined
  /** Rate limits per group (`default`, `realtime`, `list`); defaults 1/s, 3/s, 1/s. */
  readonly rateLimits?: RateLimits | undefined
  /** Timeout of one HTTP attempt; default 30 seconds. Numbers are milliseconds. */
  readonly attemptTimeout?: DurationInput | undefined
  /** Trackings per batch call (`createMany`, `updateMany`, `deleteMany`): a whole number from 1 to 40 (default). */
  readonly batchSize?: number | undefined
  /**
   * The largest response body a call reads, in bytes; default 16 MiB. A longer answer is not downloaded further
   * and the call rejects with the `MalformedResponse` error of kind `too-large`.
   */
  readonly maxResponseBytes?: number | undefined
  /**
   * Automatic batching of concurrent calls, on by default: `create` calls made within `window` of each other
   * (default 10 ms; `await Promise.all(numbers.map((n) => client.create(…)))` is one window) go out as batch
   * calls of up to `maxBatchSize` (1–40, default 40), `get` calls as list calls; identical calls are sent once.
   * Each call still resolves with its own tracking or rejects with its own error. `false` turns it off; `get`
   * with `lang` is never batched.
   *
   * @since 0.2.0
   */
  readonly batching?: boolean | {
    readonly window?: DurationInput | undefined
    readonly maxBatchSize?: number | undefined
  } | undefined
  /** The `fetch` to use; default `globalThis.fetch`. */
  readonly fetch?: typeof globalThis.fetch | undefined
}

/**
 * The per-call options every method takes.
 *
 * @since 0.1.0
 * @category models
 */
export interface CallOptions {
  /**
   * Aborts the call: the Promise rejects at once with the signal's reason (a `DOMException` named
   * `"AbortError"` for `controller.abort()`, as with `fetch`), and nothing more is sent for it — also in the
   * middle of a two-minute cooldown.
   */
  readonly signal?: AbortSignal | undefined
}

/**
 * Options of `get`.
 *
 * @since 0.1.0
 * @category models
 */
export interface GetOptions extends CallOptions {
  /** The language of the checkpoints. */
  readonly lang?: string | undefined
  /** On 4031 (not registered yet), create the tracking first, then get it again. */
  readonly register?: boolean | undefined
}

/**
 * Options of `pollUntilFinal`. Durations are milliseconds or strings such as `"5 minutes"`.
 *
 * @since 0.1.0
 * @category models
 */
export interface PollOptions extends CallOptions {
  /** Time between two rounds of list calls, and the time after a round that found a change; default 5 minutes. */
  readonly interval?: DurationInput | undefined
  /**
   * The longest time between two rounds: after a round that found nothing new the next waits twice as long as
   * the last wait, up to this; at least `interval`; default four times `interval`.
   *
   * @since 0.2.0
   */
  readonly maxInterval?: DurationInput | undefined
  /**
   * The iteration ends when the next round at `interval` would start after this; a longer, backed-off wait is
   * cut short so that the last round runs at the deadline. Default: no deadline.
   */
  readonly deadline?: DurationInput | undefined
  /**
   * How far before the newest update time a round saw the next round starts reading changes; default
   * 1 minute.
   *
   * @since 0.2.0
   */
  readonly overlap?: DurationInput | undefined
}

/**
 * A shipment to poll: its number and, if known, its carrier.
 *
 * @since 0.1.0
 * @category models
 */
export interface Shipment {
  readonly trackingNumber: string
  readonly carrierCode?: string | undefined
}

/**
 * Options of `createMany`, `updateMany` and `deleteMany`.
 *
 * @since 0.2.0
 * @category models
 */
export interface BulkOptions extends CallOptions {
  /**
   * How long the whole call may take, from its start: milliseconds, or a string such as `"30 minutes"`; default
   * no deadline. Waiting for one's turn under the key's rate limit is not a failure: the policy's per-call
   * `deadline` does not apply to the calls a bulk call makes. When it comes, nothing more is sent: `createMany`
   * resolves with the items not sent yet as `NotSent`; `updateMany` and `deleteMany` reject with
   * `DeadlineExceeded`. A value that is not a duration rejects with `InvalidRequest` before anything is sent.
   * (`signal`, by contrast, rejects at once and reports nothing.)
   */
  readonly deadline?: DurationInput | undefined
}

/**
 * The outcome of one tracking given to `createMany`; exactly one per input, in input order. `NotSent`: the
 * `deadline` came before the tracking was sent; the server has not seen it, so it can simply be sent again.
 *
 * @since 0.1.0
 * @category models
 */
export type CreateOutcome =
  | { readonly _tag: "Created"; readonly input: Tracking.CreateTracking; readonly tracking: Tracking.Tracking }
  | {
    readonly _tag: "Existed"
    readonly input: Tracking.CreateTracking
    readonly tracking: Tracking.Tracking | undefined
  }
  | { readonly _tag: "Failed"; readonly input: Tracking.CreateTracking; readonly error: TrackingMoreError }
  | {
    readonly _tag: "NotSent"
    readonly input: Tracking.CreateTracking
    /** What the tracking was still waiting for when the deadline came (`waitingFor`, `until`). */
    readonly reason: ErrorOf<"DeadlineExceeded">
  }

/**
 * The TrackingMore v2 API as Promises. Every method mirrors the method of the same name of
 * `@trackingmore-effect/client`'s `TrackingMoreClient`.
 *
 * @since 0.1.0
 * @category models
 */
export interface TrackingMoreClient {
  /** Create one tracking; when it already exists (4016) the existing tracking is returned. */
  readonly create: (input: Tracking.CreateTracking, options?: CallOptions) => Promise<Tracking.Tracking>
  /**
   * Create many trackings in batches of at most 40, paced by the rate limiter. Resolves with one outcome per
   * input (with a `deadline`, the items not sent by then are `NotSent`); rejects only when the whole operation
   * could not run.
   */
  readonly createMany: (
    items: ReadonlyArray<Tracking.CreateTracking>,
    options?: BulkOptions
  ) => Promise<ReadonlyArray<CreateOutcome>>
  /** Get one tracking. */
  readonly get: (carrierCode: string, trackingNumber: string, options?: GetOptions) => Promise<Tracking.Tracking>
  /** One page of trackings, filtered. */
  readonly list: (query?: Tracking.ListQuery, options?: CallOptions) => Promise<Tracking.TrackingPage>
  /** Change a tracking's fields; resolves with the tracking after the change. */
  readonly update: (
    carrierCode: string,
    trackingNumber: string,
    changes: Tracking.UpdateTracking,
    options?: CallOptions
  ) => Promise<Tracking.Tracking>
  /** Delete one tracking. */
  readonly delete: (carrierCode: string, trackingNumber: string, options?: CallOptions) => Promise<void>
  /** Change many trackings; per-item errors are in `errors`. */
  readonly updateMany: (
    items: ReadonlyArray<Tracking.UpdateManyItem>,
    options?: BulkOptions
  ) => Promise<Tracking.UpdateManyResult>
  /** Delete many trackings; per-item errors are in `errors`. */
  readonly deleteMany: (
    items: ReadonlyArray<Tracking.TrackingRef>,
    options?: BulkOptions
  ) => Promise<Tracking.DeleteManyResult>
  /** The real-time result of one shipment (3 req/s; the same shipment at most once per 2 hours). */
  readonly realtime: (input: Tracking.RealtimeRequest, options?: CallOptions) => Promise<Tracking.Tracking>
  /** Move a tracking to another carrier. */
  readonly changeCarrier: (
    carrierCode: string,
    trackingNumber: string,
    newCarrierCode: string,
    options?: CallOptions
  ) => Promise<Tracking.Tracking>
  /** Account information. */
  readonly userInfo: (options?: CallOptions) => Promise<Tracking.UserInfo>
  /** Tracking counts per status. */
  readonly statusCounts: (query?: Tracking.ListQuery, options?: CallOptions) => Promise<Tracking.StatusCounts>
  /** Every carrier TrackingMore supports. */
  readonly carriers: (options?: CallOptions) => Promise<ReadonlyArray<Tracking.Carrier>>
  /** The carriers a tracking number may belong to. */
  readonly detect: (trackingNumber: string, options?: CallOptions) => Promise<ReadonlyArray<Tracking.Carrier>>
  /**
   * Poll shipments until each is final (delivered, expired, undelivered, exception) or the deadline passes.
   * Yields each tracking when first seen and whenever its status changes; `break` stops polling. After the
   * first round each round lists only what changed since the previous one; rounds that find nothing back off up
   * to `maxInterval`. Options that cannot work throw an {@link InvalidOptionError} naming the option here.
   */
  readonly pollUntilFinal: (shipments: ReadonlyArray<Shipment>, options?: PollOptions) => AsyncIterable<Tracking.Tracking>
  /**
   * Stops the client: calls still running reject with `ClientClosedError`, later calls too, and the runtime is
   * disposed. Safe to call more than once.
   */
  readonly close: () => Promise<void>
  /** Whether `close()` was called. */
  readonly closed: boolean
}

/**
 * Creates a client. It owns a `ManagedRuntime` (client layer over `fetch`); call `close()` when done. Every
 * option is checked here: one that cannot work (a `batchSize` outside 1–40, a rate limit of 0, a duration that
 * does not parse, a `baseUrl` that is not http(s), an empty API key, an unknown option) throws an
 * {@link InvalidOptionError} that names it, before anything runs.
 *
 * @since 0.1.0
 * @category constructors
 * @example
 * ```ts
 * import { createClient, isTrackingMoreError } from "@trackingmore-effect/promise"
 *
 * const client = createClient({ apiKey: process.env.TRACKINGMORE_API_KEY! })
 * try {
 *   const tracking = await client.create({ trackingNumber: "1Z999AA10123456784", carrierCode: "ups" })
 *   console.log(tracking.status)
 * } catch (e) {
 *   if (isTrackingMoreError(e) && e.tag === "InvalidTrackingNumber") console.error(e.message)
 *   else throw e
 * } finally {
 *   await client.close()
 * }
 * ```
 */
export const createClient = (options: ClientOptions): TrackingMoreClient => internalClient.make(options)
