/**
 * Receiving TrackingMore's v2 webhooks: a raw body in, a typed `Tracking` or a typed error out, and an
 * `@effect/platform` `HttpApp` that answers TrackingMore for you.
 *
 * What v2 sends: a POST whose JSON body holds the updated tracking under `data` and the verification under
 * `verifyInfo: { timeStr, signature }`, where `signature` is the lowercase hex HMAC-SHA256 of `timeStr` keyed
 * with the account's registered email. The signature covers `timeStr` only, not the tracking: it proves that
 * the sender knows the email, nothing more. Serve the endpoint over HTTPS and treat the tracking as a hint
 * that something changed (or fetch it again with the client when the difference matters).
 *
 * TrackingMore re-delivers a push that was not answered with 2xx, so deliveries repeat and arrive out of
 * order: {@link makeDeduplicator} drops exact repeats and updates older than the one already handled.
 *
 * @since 0.3.0
 */
import type * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import type * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import type * as CoreOptions from "@trackingmore-effect/core/Options"
import type * as Duration from "effect/Duration"
import type * as Effect from "effect/Effect"
import type * as Either from "effect/Either"
import type * as Redacted from "effect/Redacted"
import * as deduplicator from "./internal/deduplicator.js"
import * as hmac from "./internal/hmac.js"
import * as webhookDecode from "./internal/webhookDecode.js"
import type { WebhookError } from "./internal/webhookError.js"
import * as webhookHttp from "./internal/webhookHttp.js"
import * as webhookOptions from "./internal/webhookOptions.js"
import type * as Tracking from "./Tracking.js"

// ---------------------------------------------------------------------------------------------------------------
// errors

export {
  /**
   * The body's `verifyInfo` is missing or its `signature` is not the HMAC of its `timeStr` with the account's
   * email (`reason`: `missing` or `mismatch`). Nothing of the email or the expected signature is in the error.
   *
   * @since 0.3.0
   * @category errors
   */
  InvalidSignature,
  /**
   * What was wrong with a body that is not a webhook: `empty`, `invalid-json`, `not-an-object` (JSON, but not an
   * object), `invalid-time` (a `timeStr` that is not a number of seconds or milliseconds, with `maxAge` set), or
   * `invalid-tracking` (`data` missing or not a tracking). The schema of the literals, and their type.
   *
   * @since 0.3.0
   * @category models
   */
  MalformedKind,
  /**
   * The body is not a TrackingMore webhook (see {@link MalformedKind}).
   *
   * @since 0.3.0
   * @category errors
   */
  MalformedWebhook,
  /**
   * The signed `timeStr` is further than `maxAge` from now (in the past, or in the future). `timeStr` is the
   * sender's time in epoch milliseconds.
   *
   * @since 0.3.0
   * @category errors
   */
  WebhookExpired,
  /**
   * Every way a delivery can be refused.
   *
   * @since 0.3.0
   * @category errors
   */
  type WebhookError,
  /**
   * The body is longer than `maxBodyBytes`; it was not read further.
   *
   * @since 0.3.0
   * @category errors
   */
  WebhookTooLarge
} from "./internal/webhookError.js"

// ---------------------------------------------------------------------------------------------------------------
// options

/**
 * The default `maxBodyBytes`: 1 MiB, far above a tracking with a long checkpoint history.
 *
 * @since 0.3.0
 * @category constants
 */
export const defaultMaxBodyBytes: number = webhookOptions.defaultMaxBodyBytes

/**
 * Options that check the signature (the default): the account's registered email, in a `Redacted` box.
 *
 * `maxAge` (off by default, because TrackingMore does not say whether a re-delivery is signed again) refuses a
 * delivery whose `timeStr` is further than this from now. `timeStr` is read as unix seconds when it is below
 * 10^11 (the year 5138 in seconds), else as unix milliseconds.
 *
 * @since 0.3.0
 * @category models
 */
export interface VerifyOptions {
  readonly email: Redacted.Redacted<string>
  readonly verify?: true | undefined
  /** The largest body read, in bytes (default 1 MiB). */
  readonly maxBodyBytes?: number | undefined
  readonly maxAge?: Duration.DurationInput | undefined
}

/**
 * Options that skip the signature check, written out: `{ verify: false }`. For a receiver that already knows
 * the sender (a private network, a test).
 *
 * @since 0.3.0
 * @category models
 */
export interface UnverifiedOptions {
  readonly verify: false
  /** The largest body read, in bytes (default 1 MiB). */
  readonly maxBodyBytes?: number | undefined
  /** Ignored without verification (allowed, so that `{ email, verify: flag }` type-checks). */
  readonly email?: Redacted.Redacted<string> | undefined
  /** Ignored without verification. */
  readonly maxAge?: Duration.DurationInput | undefined
}

/**
 * @since 0.3.0
 * @category models
 */
export type Options = VerifyOptions | UnverifiedOptions

/**
 * Checks options before use: `email` a non-empty `Redacted` string (unless `verify: false`), `maxBodyBytes` a
 * whole number of at least 1, `maxAge` a duration longer than zero, no unknown option. The error names the
 * option and never shows the email. `verify`, `decode` and `httpApp` check their options with it: invalid ones
 * are a defect of the first two, and make `httpApp` answer 500 (logged) to every request.
 *
 * @since 0.3.0
 * @category options
 */
export const validateOptions: (options: Options) => Either.Either<Options, CoreOptions.InvalidOption> =
  webhookOptions.validateOptions

/**
 * A raw body: the text, or its bytes (UTF-8).
 *
 * @since 0.3.0
 * @category models
 */
export type Body = string | Uint8Array | ArrayBuffer

// ---------------------------------------------------------------------------------------------------------------
// signature

/**
 * The v2 signature of `timeStr`: HMAC-SHA256 keyed with the email, lowercase hex, as TrackingMore computes it
 * (PHP's `hash_hmac("sha256", $timeStr, $email)`). Computed with WebCrypto, so it runs in Node, Deno and edge
 * runtimes alike. For signing test deliveries.
 *
 * @since 0.3.0
 * @category signature
 */
export const sign: (email: Redacted.Redacted<string>, timeStr: string) => Effect.Effect<string> = hmac.sign

/**
 * Compares two strings in time that depends on their length only: every character is compared, without an early
 * exit, so that the time taken does not tell how much of a forged signature was right.
 *
 * @since 0.3.0
 * @category signature
 */
export const constantTimeEquals: (a: string, b: string) => boolean = hmac.constantTimeEquals

// ---------------------------------------------------------------------------------------------------------------
// decoding

/**
 * The time a `timeStr` stands for, in epoch milliseconds: seconds below 10^11, else milliseconds.
 *
 * @since 0.3.0
 * @category decoding
 */
export const timeStrToMillis: (timeStr: string) => number | undefined = webhookDecode.timeStrToMillis

/**
 * Reads a raw body as a webhook and checks it: size, JSON object, `verifyInfo` signed with the email, `timeStr`
 * within `maxAge` (when set), and `data` a tracking. Succeeds with the tracking.
 *
 * @since 0.3.0
 * @category decoding
 * @example
 * ```ts
 * import { Webhook } from "@trackingmore-effect/client"
 * import { Effect, Redacted } from "effect"
 *
 * declare const rawBody: string
 * const tracking = Webhook.verify(rawBody, { email: Redacted.make("ops@example.com") }).pipe(
 *   Effect.catchTag("InvalidSignature", () => Effect.fail("refused" as const))
 * )
 * ```
 */
export const verify: (body: Body, options: VerifyOptions) => Effect.Effect<Tracking.Tracking, WebhookError> =
  webhookDecode.verify

/**
 * Reads a raw body as a webhook with the given options: verified (the default, with `email`), or not checked at
 * all with `{ verify: false }` (then `verifyInfo` may be missing).
 *
 * @since 0.3.0
 * @category decoding
 */
export const decode: (body: Body, options: Options) => Effect.Effect<Tracking.Tracking, WebhookError> =
  webhookDecode.decode

// ---------------------------------------------------------------------------------------------------------------
// ordering and repeats

/**
 * What a deduplicator remembers of the last tracking handled for one shipment: plain strings, so that a store
 * can keep it as JSON.
 *
 * @since 0.3.0
 * @category ordering
 */
export interface Mark {
  readonly status?: string | undefined
  readonly updatedAt?: string | undefined
  readonly lastUpdateTime?: string | undefined
}

/**
 * How a delivery relates to the last one handled for the same shipment: `new` (newer, or the first), `repeat`
 * (the same update time and status), `stale` (an older update time).
 *
 * @since 0.3.0
 * @category ordering
 */
export type Verdict = "new" | "repeat" | "stale"

/**
 * An update time as epoch milliseconds: ISO 8601 (`2026-03-01T10:00:00.000Z`) or TrackingMore's
 * `2026-03-01 10:00:00`. A time without a zone is read as UTC on every platform (only the order of two times
 * of the same field matters, so the zone of a zoneless field is irrelevant as long as it is the same).
 *
 * @since 0.3.0
 * @category ordering
 */
export const parseUpdateTime: (value: string | undefined) => number | undefined = deduplicator.parseUpdateTime

/**
 * The {@link Mark} of a tracking.
 *
 * @since 0.3.0
 * @category ordering
 */
export const markOf: (tracking: Tracking.Tracking | Mark) => Mark = deduplicator.markOf

/**
 * Compares a delivery with the last one handled for its shipment, by `updatedAt` when both have it, else by
 * `lastUpdateTime` when both have it: older is `stale`; the same time (or no comparable time) and the same
 * status and times is a `repeat`; anything else is `new`.
 *
 * @since 0.3.0
 * @category ordering
 */
export const classify: (previous: Mark | undefined, next: Mark) => Verdict = deduplicator.classify

/**
 * Whether `next` should be handled after `previous`: `classify(previous, next) === "new"`.
 *
 * @since 0.3.0
 * @category ordering
 */
export const isNewer = (previous: Mark | undefined, next: Mark): boolean => classify(previous, next) === "new"

/**
 * Where a deduplicator keeps the last {@link Mark} per shipment (key: `carrierCode/trackingNumber`). The default
 * is an in-memory `Map` of the process; give a shared store (Redis, a database) when several processes receive
 * the webhooks.
 *
 * @since 0.3.0
 * @category ordering
 */
export interface Store<E = never> {
  readonly get: (key: string) => Effect.Effect<Mark | undefined, E>
  readonly set: (key: string, mark: Mark) => Effect.Effect<void, E>
}

/**
 * An in-memory {@link Store}: one entry per shipment, for the life of the process.
 *
 * @since 0.3.0
 * @category ordering
 */
export const memoryStore: () => Store = deduplicator.memoryStore

/**
 * Drops repeated and out-of-order deliveries.
 *
 * @since 0.3.0
 * @category ordering
 */
export interface Deduplicator<E = never> {
  /** The verdict on a tracking, without remembering it. */
  readonly check: (tracking: Tracking.Tracking) => Effect.Effect<Verdict, E>
  /** Remembers a tracking as the last one handled for its shipment. */
  readonly record: (tracking: Tracking.Tracking) => Effect.Effect<void, E>
  /**
   * Runs `onNew` for a `new` tracking and remembers it only once `onNew` succeeded (so that a failed handling is
   * handled again at the re-delivery); a `repeat` or `stale` one is skipped. Succeeds with the verdict.
   * Two identical deliveries arriving at the same moment may both be handled: handle idempotently.
   */
  readonly handle: <A, E2, R>(
    tracking: Tracking.Tracking,
    onNew: (tracking: Tracking.Tracking) => Effect.Effect<A, E2, R>
  ) => Effect.Effect<Verdict, E | E2, R>
}

/**
 * The key of a shipment in a {@link Store}.
 *
 * @since 0.3.0
 * @category ordering
 */
export const keyOf: (tracking: Tracking.Tracking) => string = deduplicator.keyOf

/**
 * A {@link Deduplicator} over a store (default: {@link memoryStore}).
 *
 * @since 0.3.0
 * @category ordering
 * @example
 * ```ts
 * import { Webhook } from "@trackingmore-effect/client"
 * import { Effect } from "effect"
 *
 * const dedup = Webhook.makeDeduplicator()
 * const onUpdate = (tracking: Parameters<typeof dedup.check>[0]) =>
 *   dedup.handle(tracking, (t) => Effect.log(`${t.trackingNumber} is ${t.status}`))
 * ```
 */
export const makeDeduplicator: <E = never>(store?: Store<E>) => Deduplicator<E> = deduplicator.makeDeduplicator

// ---------------------------------------------------------------------------------------------------------------
// HttpApp

/**
 * The HTTP status each outcome is answered with: 200 accepted, 401 bad or missing signature (or expired), 400
 * malformed, 413 too large.
 *
 * @since 0.3.0
 * @category http
 */
export const statusOf: (error: WebhookError) => 400 | 401 | 413 = webhookHttp.statusOf

/**
 * An `HttpApp` for TrackingMore's POSTs: it reads the body (at most `maxBodyBytes`), checks it like
 * {@link decode}, runs `onUpdate` with the tracking and answers 200 once it succeeded; 401 for a bad signature
 * (or an expired one), 400 for a malformed body, 413 for a body too large, 405 for another method. A failure or
 * defect of `onUpdate` is answered 500 without details (and logged), so TrackingMore delivers again later.
 *
 * @since 0.3.0
 * @category http
 * @example
 * ```ts
 * import * as HttpRouter from "@effect/platform/HttpRouter"
 * import { Webhook } from "@trackingmore-effect/client"
 * import { Config, Effect } from "effect"
 *
 * const router = Effect.gen(function*() {
 *   const email = yield* Config.redacted("TRACKINGMORE_EMAIL")
 *   return HttpRouter.empty.pipe(
 *     HttpRouter.post("/trackingmore", Webhook.httpApp({ email }, (t) => Effect.log(t.status)))
 *   )
 * })
 * ```
 */
export const httpApp: <A, E, R>(
  options: Options,
  onUpdate: (tracking: Tracking.Tracking) => Effect.Effect<A, E, R>
) => Effect.Effect<HttpServerResponse.HttpServerResponse, never, HttpServerRequest.HttpServerRequest | R> =
  webhookHttp.httpApp
