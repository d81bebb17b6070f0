/**
 * The TrackingMore v2 client as an Effect service over `@effect/platform`'s `HttpClient`: every endpoint with
 * Schema-typed requests and responses, typed errors per status code, and the retry policy of
 * `@trackingmore-effect/core` built in (cooldown after 429, backoff, re-poll, halt), rate limiting per API key,
 * batching and idempotent create.
 *
 * @since 0.1.0
 */
import type * as HttpClient from "@effect/platform/HttpClient"
import type * as Options from "@trackingmore-effect/core/Options"
import type * as Policy from "@trackingmore-effect/core/Policy"
import type * as TrackingMoreError from "@trackingmore-effect/core/TrackingMoreError"
import type * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import type * as Redacted from "effect/Redacted"
import type * as Stream from "effect/Stream"
import type { CreateOutcome } from "./CreateOutcome.js"
import * as internalClient from "./internal/client.js"
import * as internalConfig from "./internal/config.js"
import * as internalOptions from "./internal/options.js"
import * as internalPoll from "./internal/poll.js"
import type * as Requests from "./Requests.js"
import type * as Responses from "./Responses.js"
import type * as Tracking from "./Tracking.js"

/**
 * A rate limit: at most `limit` requests per `window`, as a token bucket.
 *
 * @since 0.1.0
 * @category models
 */
export interface RateLimit {
  readonly limit: number
  readonly window: Duration.DurationInput
}

/**
 * Options of a client.
 *
 * @since 0.1.0
 * @category models
 */
export interface ClientOptions {
  /** The API key. It travels only in the `Trackingmore-Api-Key` header and appears in no output. */
  readonly apiKey: Redacted.Redacted<string>
  /** Default `https://api.trackingmore.com/v2`. */
  readonly baseUrl?: string | undefined
  /** Overrides of the retry policy, e.g. `{ tooManyRequests: { wait: "1200 millis" } }` for a fast simulator. */
  readonly policy?: Policy.PolicyOptions | undefined
  /**
   * Rate limits per group: `realtime` (POST /trackings/realtime), `list` (GET /trackings/get) and `default`
   * (everything else). Defaults: 1 per second, 3 per second, 1 per second.
   */
  readonly rateLimits?: {
    readonly default?: RateLimit | undefined
    readonly realtime?: RateLimit | undefined
    readonly list?: RateLimit | undefined
  } | undefined
  /** The timeout of one attempt (one HTTP request); default 30 seconds. */
  readonly attemptTimeout?: Duration.DurationInput | undefined
  /** Trackings per batch call of `createMany`, `updateMany`, `deleteMany`: a whole number from 1 to 40 (default). */
  readonly batchSize?: number | undefined
  /**
   * The largest response body a call reads, in bytes; default 16 MiB. A longer answer is not downloaded further
   * and the call fails with `MalformedResponse` of kind `too-large` (never retried).
   */
  readonly maxResponseBytes?: number | undefined
  /**
   * Automatic batching of concurrent single calls; on by default (`true` or absent: the defaults of
   * {@link BatchingOptions}), `false` turns it off. See {@link BatchingOptions}.
   *
   * @since 0.2.0
   */
  readonly batching?: boolean | BatchingOptions | undefined
}

/**
 * Automatic batching: concurrent `create` calls, from any fiber (every web request, every Promise-facade call),
 * go out together as `POST /trackings/batch` calls of up to `maxBatchSize` trackings, and concurrent `get` calls
 * as `GET /trackings/get?numbers=…` list calls (whose rate limit is the `list` group's). Calls are collected for
 * `window` from the first one, then take turns, one call per rate-limit interval, so that what arrives while a
 * call waits for its turn joins the next one. A call alone in its turn makes its usual single request.
 * Identical calls in one turn (same number, same carrier) are sent once. Each caller gets its own tracking or its
 * own typed error: an item's error in a batch answer fails only that caller, 4016 still answers `create` with
 * the existing tracking, and an error of the whole call (a 429 after its cooldowns, a 503 after its retries, a
 * transport error) fails every caller in it. A call whose callers all left before it was sent is not sent.
 *
 * `get` with `lang` is never batched (the list call cannot ask for a language). A `get` the list answer does not
 * hold makes the single request, so its error is the single `get`'s (`NotRegistered` after the re-polls, or,
 * with `register: true`, the tracking created first).
 *
 * @since 0.2.0
 * @category models
 */
export interface BatchingOptions {
  /** How long a window collects calls, from the first one; default 10 ms. A lone call waits this much longer. */
  readonly window?: Duration.DurationInput | undefined
  /** The most trackings one call carries (1 to 40, default 40); a full window goes out at once. */
  readonly maxBatchSize?: number | undefined
}

/**
 * Options of `get`.
 *
 * @since 0.1.0
 * @category models
 */
export interface GetOptions {
  /** The language of the checkpoints (appended to the path). */
  readonly lang?: string | undefined
  /** On 4031 (not registered yet), create the tracking first, then get it again. */
  readonly register?: boolean | undefined
}

/**
 * Options of `pollUntilFinal`.
 *
 * @since 0.1.0
 * @category models
 */
export interface PollOptions {
  /**
   * Time between two rounds of list calls, and the time after a round that found a change; longer than zero;
   * default 5 minutes.
   */
  readonly interval?: Duration.DurationInput | undefined
  /**
   * The longest time between two rounds: after a round that found nothing new the next waits twice as long as
   * the last wait, up to this; at least `interval`; default four times `interval`.
   *
   * @since 0.2.0
   */
  readonly maxInterval?: Duration.DurationInput | undefined
  /**
   * Stop (the stream ends) when the next round at `interval` would start after this; a longer, backed-off wait
   * is cut short so that the last round runs at the deadline. Default: no deadline (`Infinity` too).
   */
  readonly deadline?: Duration.DurationInput | undefined
  /**
   * How far before the newest update time of a round's first answer the next round starts reading changes
   * (`update_time_min`): room for updates stored late or in the same second. Default 1 minute; raise it if
   * updates show up in the list later than that.
   *
   * @since 0.2.0
   */
  readonly overlap?: Duration.DurationInput | undefined
}

/**
 * Options of `createMany`, `updateMany` and `deleteMany`.
 *
 * @since 0.2.0
 * @category models
 */
export interface BulkOptions {
  /**
   * How long the whole call may take, from its start; default: no deadline. Waiting for one's turn under the
   * key's rate limit (or a cooldown) is not a failure: the policy's per-call `deadline` does not apply to the
   * calls a bulk call makes, each gets what is left of this one instead. When it comes, nothing more is sent: a
   * chunk still waiting for its turn is not sent (`createMany` reports its items as `NotSent`; `updateMany` and
   * `deleteMany` fail with `DeadlineExceeded`), and a request already on the wire is answered (within
   * `attemptTimeout`). A duration such as `"30 minutes"`, or milliseconds; anything else fails the call with
   * `InvalidRequest` (naming `deadline`) before anything is sent.
   */
  readonly deadline?: Duration.DurationInput | undefined
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
 * The TrackingMore v2 API: what the `TrackingMoreClient` service offers.
 *
 * @since 0.2.0
 * @category models
 */
export interface Service {
  /** Create one tracking. Idempotent: when it already exists (4016) the existing tracking is fetched and returned. */
  readonly create: (input: Requests.CreateTracking) => Effect.Effect<Tracking.Tracking, TrackingMoreError.TrackingMoreError>
  /**
   * Create many trackings in batches of at most 40, paced by the rate limiter. One outcome per input, in input
   * order; errors of a whole batch call become `Failed` outcomes of its items; with a `deadline`, items not sent
   * by then are `NotSent` (send them again later). Fails only with `InvalidRequest` for a `deadline` that is not
   * a duration.
   */
  readonly createMany: (
    items: ReadonlyArray<Requests.CreateTracking>,
    options?: BulkOptions
  ) => Effect.Effect<ReadonlyArray<CreateOutcome>, TrackingMoreError.TrackingMoreError>
  /** Get one tracking. A 4031 is re-polled; with `register: true` the tracking is created first. */
  readonly get: (
    carrierCode: string,
    trackingNumber: string,
    options?: GetOptions
  ) => Effect.Effect<Tracking.Tracking, TrackingMoreError.TrackingMoreError>
  /** One page of trackings, filtered. */
  readonly list: (query?: Requests.ListQuery) => Effect.Effect<Responses.TrackingPage, TrackingMoreError.TrackingMoreError>
  /** Change a tracking's fields; returns the tracking after the change. */
  readonly update: (
    carrierCode: string,
    trackingNumber: string,
    changes: Requests.UpdateTracking
  ) => Effect.Effect<Tracking.Tracking, TrackingMoreError.TrackingMoreError>
  /** Delete one tracking. */
  readonly delete: (carrierCode: string, trackingNumber: string) => Effect.Effect<void, TrackingMoreError.TrackingMoreError>
  /** Change many trackings, in batches of at most 40; per-item errors are in `errors`. */
  readonly updateMany: (
    items: ReadonlyArray<Requests.UpdateManyItem>,
    options?: BulkOptions
  ) => Effect.Effect<Responses.UpdateManyResult, TrackingMoreError.TrackingMoreError>
  /** Delete many trackings, in batches of at most 40; per-item errors are in `errors`. */
  readonly deleteMany: (
    items: ReadonlyArray<Requests.TrackingRef>,
    options?: BulkOptions
  ) => Effect.Effect<Responses.DeleteManyResult, TrackingMoreError.TrackingMoreError>
  /** The real-time result of one shipment (3 req/s; the same shipment is refreshed at most once per 2 hours). */
  readonly realtime: (input: Requests.RealtimeRequest) => Effect.Effect<Tracking.Tracking, TrackingMoreError.TrackingMoreError>
  /** Move a tracking to another carrier; returns the tracking after the change. */
  readonly changeCarrier: (
    carrierCode: string,
    trackingNumber: string,
    newCarrierCode: string
  ) => Effect.Effect<Tracking.Tracking, TrackingMoreError.TrackingMoreError>
  /** Account information. */
  readonly userInfo: Effect.Effect<Responses.UserInfo, TrackingMoreError.TrackingMoreError>
  /** Tracking counts per status, with the list filters. */
  readonly statusCounts: (
    query?: Requests.ListQuery
  ) => Effect.Effect<Responses.StatusCounts, TrackingMoreError.TrackingMoreError>
  /** Every carrier TrackingMore supports. */
  readonly carriers: Effect.Effect<ReadonlyArray<Responses.Carrier>, TrackingMoreError.TrackingMoreError>
  /** The carriers a tracking number may belong to. */
  readonly detect: (trackingNumber: string) => Effect.Effect<ReadonlyArray<Responses.Carrier>, TrackingMoreError.TrackingMoreError>
  /**
   * Poll shipments through the list endpoint until every one reaches a final status (delivered, expired,
   * undelivered, exception) or the deadline passes. Emits each tracking when first seen and whenever its status
   * changes. After the first round each round reads only what changed since the previous one
   * (`update_time_min`, 2000 per page, or the shipments' numbers 40 per call when that takes fewer calls), and
   * rounds that find nothing back off up to `maxInterval`. Shipments that are not in the account stay pending
   * (create them first). Options that cannot work make the stream die with `InvalidOption` (check them
   * beforehand with {@link validatePollOptions}).
   */
  readonly pollUntilFinal: (
    shipments: ReadonlyArray<Shipment>,
    options?: PollOptions
  ) => Stream.Stream<Tracking.Tracking, TrackingMoreError.TrackingMoreError>
}

/**
 * The client service.
 *
 * @since 0.1.0
 * @category tags
 */
export class TrackingMoreClient extends Context.Tag("@trackingmore-effect/client/TrackingMoreClient")<
  TrackingMoreClient,
  Service
>() {}

/**
 * The production base URL.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultBaseUrl: string = internalOptions.defaultBaseUrl

/**
 * The documented limits: 1 request per second per key, 3 per second for realtime, 1 per second for list.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultRateLimits: {
  readonly default: RateLimit
  readonly realtime: RateLimit
  readonly list: RateLimit
} = internalOptions.defaultRateLimits

/**
 * The most trackings one batch call may carry.
 *
 * @since 0.1.0
 * @category constants
 */
export const maxBatchSize: number = internalOptions.maxBatchSize

/**
 * The largest response body a call reads unless `maxResponseBytes` says otherwise: 16 MiB.
 *
 * @since 0.2.0
 * @category constants
 */
export const defaultMaxResponseBytes: number = internalOptions.defaultMaxResponseBytes

/**
 * Checks a client's options as `make` does, without building anything: every option that cannot work (a batch
 * size outside 1–40, a rate limit of 0, a duration that does not parse, a base URL that is not http(s), an
 * API key a header cannot carry, an unknown option) fails with `InvalidOption`, whose `option` names it. The
 * message never repeats the API key.
 *
 * @since 0.2.0
 * @category validation
 * @example
 * ```ts
 * import { TrackingMoreClient } from "@trackingmore-effect/client"
 * import { Either, Redacted } from "effect"
 * const checked = TrackingMoreClient.validateOptions({ apiKey: Redacted.make("k"), batchSize: 41 })
 * if (Either.isLeft(checked)) console.log(checked.left.option) // "batchSize"
 * ```
 */
export const validateOptions = (options: ClientOptions): Either.Either<ClientOptions, Options.InvalidOption> =>
  Either.map(internalOptions.resolve(options), () => options)

/**
 * Checks the options of `pollUntilFinal` as it does: `interval` a duration longer than zero, `maxInterval` at
 * least `interval`, `deadline` any duration (or `Infinity`), `overlap` a finite duration, no unknown option. The
 * error names the option.
 *
 * @since 0.2.0
 * @category validation
 * @example
 * ```ts
 * import { TrackingMoreClient } from "@trackingmore-effect/client"
 * import { Either } from "effect"
 * const checked = TrackingMoreClient.validatePollOptions({ interval: "10 minutes", maxInterval: "5 minutes" })
 * if (Either.isLeft(checked)) console.log(checked.left.option) // "maxInterval"
 * ```
 */
export const validatePollOptions = (options: PollOptions): Either.Either<PollOptions, Options.InvalidOption> =>
  Either.map(internalPoll.resolve(options), () => options)

/**
 * Builds a client. The options are checked first (see {@link validateOptions}): one that cannot work fails with
 * `InvalidOption` naming it, before anything is built. The gate, retry budget and rate limiter come from the
 * context when provided (`Gate.Gate`, `RetryBudget.RetryBudget`, `RateLimiter.RateLimiter`, e.g. shared through
 * Redis) and are in-memory, per client, otherwise.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  options: ClientOptions
): Effect.Effect<Service, Options.InvalidOption, HttpClient.HttpClient> => internalClient.make(options)

/**
 * The client as a layer; requires an `HttpClient` (e.g. `FetchHttpClient.layer` or `NodeHttpClient.layerUndici`).
 *
 * @since 0.1.0
 * @category layers
 * @example
 * ```ts
 * import { FetchHttpClient } from "@effect/platform"
 * import { TrackingMoreClient } from "@trackingmore-effect/client"
 * import { Layer, Redacted } from "effect"
 * const live = TrackingMoreClient.layer({ apiKey: Redacted.make(process.env.TRACKINGMORE_API_KEY!) }).pipe(
 *   Layer.provide(FetchHttpClient.layer)
 * )
 * ```
 */
export const layer = (
  options: ClientOptions
): Layer.Layer<TrackingMoreClient, Options.InvalidOption, HttpClient.HttpClient> =>
  Layer.scoped(TrackingMoreClient, make(options))

/**
 * The client as a layer configured from `Config`: `apiKey` defaults to `Config.redacted("TRACKINGMORE_API_KEY")`
 * and `baseUrl` to `TRACKINGMORE_BASE_URL` (else the production URL). Every other option can be given as a
 * plain value or as a `Config`. A missing or empty key, or a base URL that is not http(s), fails with a
 * `ConfigError` naming the variable; other options that cannot work fail with `InvalidOption`.
 *
 * @since 0.1.0
 * @category layers
 * @example
 * ```ts
 * import { FetchHttpClient } from "@effect/platform"
 * import { TrackingMoreClient } from "@trackingmore-effect/client"
 * import { Config, Layer } from "effect"
 * const live = TrackingMoreClient.layerConfig({ batchSize: Config.integer("TRACKINGMORE_BATCH_SIZE") }).pipe(
 *   Layer.provide(FetchHttpClient.layer)
 * )
 * ```
 */
export const layerConfig = (
  options: Config.Config.Wrap<Partial<ClientOptions>> = {}
): Layer.Layer<TrackingMoreClient, ConfigError.ConfigError | Options.InvalidOption, HttpClient.HttpClient> =>
  Layer.unwrapEffect(Effect.map(internalConfig.clientOptions(options), layer))
