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
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as CoreOptions from "@trackingmore-effect/core/Options"
import * as Cause from "effect/Cause"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import * as Tracking from "./Tracking.js"
import { concat } from "./internal/bytes.js"

// ---------------------------------------------------------------------------------------------------------------
// errors

/**
 * The body's `verifyInfo` is missing or its `signature` is not the HMAC of its `timeStr` with the account's
 * email (`reason`: `missing` or `mismatch`). Nothing of the email or the expected signature is in the error.
 *
 * @since 0.3.0
 * @category errors
 */
export class InvalidSignature extends Schema.TaggedError<InvalidSignature>()("InvalidSignature", {
  reason: Schema.Literal("missing", "mismatch"),
  message: Schema.String
}) {}

/**
 * What was wrong with a body that is not a webhook: `empty`, `invalid-json`, `not-an-object` (JSON, but not an
 * object), `invalid-time` (a `timeStr` that is not a number of seconds or milliseconds, with `maxAge` set), or
 * `invalid-tracking` (`data` missing or not a tracking).
 *
 * @since 0.3.0
 * @category models
 */
export const MalformedKind = Schema.Literal("empty", "invalid-json", "not-an-object", "invalid-time", "invalid-tracking")

/**
 * @since 0.3.0
 * @category models
 */
export type MalformedKind = typeof MalformedKind.Type

/**
 * The body is not a TrackingMore webhook (see {@link MalformedKind}).
 *
 * @since 0.3.0
 * @category errors
 */
export class MalformedWebhook extends Schema.TaggedError<MalformedWebhook>()("MalformedWebhook", {
  kind: MalformedKind,
  message: Schema.String
}) {}

/**
 * The body is longer than `maxBodyBytes`; it was not read further.
 *
 * @since 0.3.0
 * @category errors
 */
export class WebhookTooLarge extends Schema.TaggedError<WebhookTooLarge>()("WebhookTooLarge", {
  maxBodyBytes: Schema.Number,
  message: Schema.String
}) {}

/**
 * The signed `timeStr` is further than `maxAge` from now (in the past, or in the future). `timeStr` is the
 * sender's time in epoch milliseconds.
 *
 * @since 0.3.0
 * @category errors
 */
export class WebhookExpired extends Schema.TaggedError<WebhookExpired>()("WebhookExpired", {
  signedAt: Schema.Number,
  maxAgeMillis: Schema.Number,
  message: Schema.String
}) {}

/**
 * Every way a delivery can be refused.
 *
 * @since 0.3.0
 * @category errors
 */
export type WebhookError = InvalidSignature | MalformedWebhook | WebhookTooLarge | WebhookExpired

// ---------------------------------------------------------------------------------------------------------------
// options

/**
 * The default `maxBodyBytes`: 1 MiB, far above a tracking with a long checkpoint history.
 *
 * @since 0.3.0
 * @category constants
 */
export const defaultMaxBodyBytes = 1024 * 1024

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
export const validateOptions = (options: Options): Either.Either<Options, CoreOptions.InvalidOption> => {
  const known = CoreOptions.knownKeys("options", options, ["email", "verify", "maxBodyBytes", "maxAge"])
  if (Either.isLeft(known)) return Either.left(known.left)
  const { email, maxAge, maxBodyBytes, verify } = options as {
    readonly email?: unknown
    readonly verify?: unknown
    readonly maxBodyBytes?: unknown
    readonly maxAge?: unknown
  }
  if (verify !== undefined && typeof verify !== "boolean") {
    return Either.left(CoreOptions.invalid("verify", `must be true or false, got ${CoreOptions.show(verify)}`))
  }
  if (maxBodyBytes !== undefined) {
    const checked = CoreOptions.integer("maxBodyBytes", maxBodyBytes, { min: 1 })
    if (Either.isLeft(checked)) return Either.left(checked.left)
  }
  if (verify === false) return Either.right(options)
  if (!Redacted.isRedacted(email) || typeof Redacted.value(email) !== "string" || Redacted.value(email) === "") {
    return Either.left(
      CoreOptions.invalid("email", "must be the account's registered email, a non-empty string in a Redacted")
    )
  }
  if (maxAge !== undefined) {
    const checked = CoreOptions.duration("maxAge", maxAge, { allowZero: false })
    if (Either.isLeft(checked)) return Either.left(checked.left)
  }
  return Either.right(options)
}

/**
 * A raw body: the text, or its bytes (UTF-8).
 *
 * @since 0.3.0
 * @category models
 */
export type Body = string | Uint8Array | ArrayBuffer

// ---------------------------------------------------------------------------------------------------------------
// signature

const encoder = new TextEncoder()

const hex = (bytes: ArrayBuffer): string => {
  let out = ""
  for (const byte of new Uint8Array(bytes)) out += byte.toString(16).padStart(2, "0")
  return out
}

/**
 * The v2 signature of `timeStr`: HMAC-SHA256 keyed with the email, lowercase hex, as TrackingMore computes it
 * (PHP's `hash_hmac("sha256", $timeStr, $email)`). Computed with WebCrypto, so it runs in Node, Deno and edge
 * runtimes alike. For signing test deliveries.
 *
 * @since 0.3.0
 * @category signature
 */
export const sign = (email: Redacted.Redacted<string>, timeStr: string): Effect.Effect<string> =>
  Effect.promise(async () => {
    const raw = encoder.encode(Redacted.value(email))
    // WebCrypto refuses an empty HMAC key; HMAC pads keys to its block size with zeros, so 64 zero bytes are
    // the same key (an empty email is a misconfiguration, which then shows as every delivery refused).
    const key = await globalThis.crypto.subtle.importKey(
      "raw",
      raw.length === 0 ? new Uint8Array(64) : raw,
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign"]
    )
    return hex(await globalThis.crypto.subtle.sign("HMAC", key, encoder.encode(timeStr)))
  })

/**
 * Compares two strings in time that depends on their length only: every character is compared, without an early
 * exit, so that the time taken does not tell how much of a forged signature was right.
 *
 * @since 0.3.0
 * @category signature
 */
export const constantTimeEquals = (a: string, b: string): boolean => {
  if (a.length !== b.length) return false
  let diff = 0
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i)
  return diff === 0
}

// ---------------------------------------------------------------------------------------------------------------
// decoding

const decoder = new TextDecoder("utf-8", { fatal: false })

const byteLength = (body: Body): number =>
  typeof body === "string" ? encoder.encode(body).length : body.byteLength

const toText = (body: Body): string =>
  typeof body === "string" ? body : decoder.decode(body instanceof ArrayBuffer ? new Uint8Array(body) : body)

const tooLarge = (maxBodyBytes: number) =>
  new WebhookTooLarge({ maxBodyBytes, message: `The webhook body is longer than ${maxBodyBytes} bytes` })

const malformed = (kind: MalformedKind, message: string) => new MalformedWebhook({ kind, message })

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

/** Reads the JSON object of a body within the size limit. */
const parseBody = (body: Body, maxBodyBytes: number): Either.Either<Record<string, unknown>, WebhookError> => {
  if (byteLength(body) > maxBodyBytes) return Either.left(tooLarge(maxBodyBytes))
  const text = toText(body)
  if (text.trim() === "") return Either.left(malformed("empty", "The webhook body is empty"))
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    return Either.left(malformed("invalid-json", "The webhook body is not JSON"))
  }
  return isRecord(json)
    ? Either.right(json)
    : Either.left(malformed("not-an-object", "The webhook body is JSON, but not an object"))
}

const decodeData = (json: Record<string, unknown>): Either.Either<Tracking.Tracking, MalformedWebhook> =>
  Either.mapLeft(
    Tracking.decodeTracking(json.data),
    () => malformed("invalid-tracking", "The webhook body's data is not a tracking")
  )

/**
 * The time a `timeStr` stands for, in epoch milliseconds: seconds below 10^11, else milliseconds.
 *
 * @since 0.3.0
 * @category decoding
 */
export const timeStrToMillis = (timeStr: string): number | undefined => {
  if (!/^\s*\d+(\.\d+)?\s*$/.test(timeStr)) return undefined
  const value = Number(timeStr)
  return value < 1e11 ? value * 1000 : value
}

const missingSignature = new InvalidSignature({
  reason: "missing",
  message: "The webhook body has no verifyInfo with a timeStr and a signature"
})

/** The signed part of a body, accepting `timeStr` as a string or a number. */
const verifyInfoOf = (json: Record<string, unknown>): { readonly timeStr: string; readonly signature: string } | undefined => {
  const info = json.verifyInfo
  if (!isRecord(info)) return undefined
  const { signature, timeStr } = info
  if (typeof signature !== "string") return undefined
  if (typeof timeStr === "string") return { timeStr, signature }
  if (typeof timeStr === "number" && Number.isFinite(timeStr)) return { timeStr: String(timeStr), signature }
  return undefined
}

const checkSignature = (json: Record<string, unknown>, options: VerifyOptions): Effect.Effect<void, WebhookError> =>
  Effect.gen(function*() {
    const info = verifyInfoOf(json)
    if (info === undefined) return yield* missingSignature
    const expected = yield* sign(options.email, info.timeStr)
    if (!constantTimeEquals(expected, info.signature.toLowerCase())) {
      return yield* new InvalidSignature({
        reason: "mismatch",
        message: "The webhook signature does not match the account's email"
      })
    }
    if (options.maxAge === undefined) return
    const signedAt = timeStrToMillis(info.timeStr)
    if (signedAt === undefined) {
      return yield* malformed("invalid-time", "The webhook timeStr is not a number of seconds or milliseconds")
    }
    const maxAgeMillis = Duration.toMillis(options.maxAge)
    const now = yield* Effect.clockWith((clock) => clock.currentTimeMillis)
    if (Math.abs(now - signedAt) > maxAgeMillis) {
      return yield* new WebhookExpired({
        signedAt,
        maxAgeMillis,
        message: `The webhook was signed ${Math.round((now - signedAt) / 1000)} s from now, more than its maxAge`
      })
    }
  })

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
export const verify = (body: Body, options: VerifyOptions): Effect.Effect<Tracking.Tracking, WebhookError> =>
  Effect.gen(function*() {
    yield* Effect.orDie(validateOptions(options))
    const json = yield* parseBody(body, options.maxBodyBytes ?? defaultMaxBodyBytes)
    yield* checkSignature(json, options)
    return yield* decodeData(json)
  })

/**
 * Reads a raw body as a webhook with the given options: verified (the default, with `email`), or not checked at
 * all with `{ verify: false }` (then `verifyInfo` may be missing).
 *
 * @since 0.3.0
 * @category decoding
 */
export const decode = (body: Body, options: Options): Effect.Effect<Tracking.Tracking, WebhookError> =>
  options.verify === false
    ? Effect.zipRight(
      Effect.orDie(validateOptions(options)),
      Effect.flatMap(parseBody(body, options.maxBodyBytes ?? defaultMaxBodyBytes), decodeData)
    )
    : verify(body, options)

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

const timePattern = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3})\d*)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/

/**
 * An update time as epoch milliseconds: ISO 8601 (`2026-03-01T10:00:00.000Z`) or TrackingMore's
 * `2026-03-01 10:00:00`. A time without a zone is read as UTC on every platform (only the order of two times
 * of the same field matters, so the zone of a zoneless field is irrelevant as long as it is the same).
 *
 * @since 0.3.0
 * @category ordering
 */
export const parseUpdateTime = (value: string | undefined): number | undefined => {
  if (value === undefined) return undefined
  const m = timePattern.exec(value.trim())
  if (m === null) return undefined
  const [, y, mo, d, h, mi, s, ms, zone] = m
  const utc = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s ?? 0), Number((ms ?? "0").padEnd(3, "0")))
  if (zone === undefined || zone === "Z") return utc
  const sign = zone.startsWith("-") ? -1 : 1
  const digits = zone.slice(1).replace(":", "")
  return utc - sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000
}

/**
 * The {@link Mark} of a tracking.
 *
 * @since 0.3.0
 * @category ordering
 */
export const markOf = (tracking: Tracking.Tracking | Mark): Mark => ({
  status: tracking.status,
  updatedAt: tracking.updatedAt,
  lastUpdateTime: tracking.lastUpdateTime
})

/**
 * Compares a delivery with the last one handled for its shipment, by `updatedAt` when both have it, else by
 * `lastUpdateTime` when both have it: older is `stale`; the same time (or no comparable time) and the same
 * status and times is a `repeat`; anything else is `new`.
 *
 * @since 0.3.0
 * @category ordering
 */
export const classify = (previous: Mark | undefined, next: Mark): Verdict => {
  if (previous === undefined) return "new"
  for (const field of ["updatedAt", "lastUpdateTime"] as const) {
    const before = parseUpdateTime(previous[field])
    const after = parseUpdateTime(next[field])
    if (before === undefined || after === undefined) continue
    if (after < before) return "stale"
    if (after > before) return "new"
  }
  const same = previous.status === next.status && previous.updatedAt === next.updatedAt &&
    previous.lastUpdateTime === next.lastUpdateTime
  return same ? "repeat" : "new"
}

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
export const memoryStore = (): Store => {
  const marks = new Map<string, Mark>()
  return {
    get: (key) => Effect.sync(() => marks.get(key)),
    set: (key, mark) => Effect.sync(() => void marks.set(key, mark))
  }
}

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
export const keyOf = (tracking: Tracking.Tracking): string => `${tracking.carrierCode}/${tracking.trackingNumber}`

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
export const makeDeduplicator = <E = never>(store?: Store<E>): Deduplicator<E> => {
  const marks: Store<E> = store ?? (memoryStore() as Store<E>)
  const check = (tracking: Tracking.Tracking) =>
    Effect.map(marks.get(keyOf(tracking)), (previous) => classify(previous, markOf(tracking)))
  const record = (tracking: Tracking.Tracking) => marks.set(keyOf(tracking), markOf(tracking))
  return {
    check,
    record,
    handle: (tracking, onNew) =>
      Effect.flatMap(check(tracking), (verdict) =>
        verdict === "new"
          ? Effect.as(Effect.zipRight(onNew(tracking), record(tracking)), verdict)
          : Effect.succeed(verdict))
  }
}

// ---------------------------------------------------------------------------------------------------------------
// HttpApp

/**
 * The HTTP status each outcome is answered with: 200 accepted, 401 bad or missing signature (or expired), 400
 * malformed, 413 too large.
 *
 * @since 0.3.0
 * @category http
 */
export const statusOf = (error: WebhookError): 400 | 401 | 413 => {
  switch (error._tag) {
    case "InvalidSignature":
    case "WebhookExpired":
      return 401
    case "MalformedWebhook":
      return 400
    case "WebhookTooLarge":
      return 413
  }
}

const json = (status: number, body: Record<string, unknown>) => HttpServerResponse.unsafeJson(body, { status })
const internalError = () => json(500, { error: "InternalError", message: "The update could not be handled" })

/** Reads the request body, at most `maxBodyBytes` of it. */
const readBody = (maxBodyBytes: number) =>
  Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const declared = Number(request.headers["content-length"])
    if (Number.isFinite(declared) && declared > maxBodyBytes) return yield* tooLarge(maxBodyBytes)
    const chunks: Array<Uint8Array> = []
    let size = 0
    // Past the limit, the rest is read and dropped (up to as much again, at least 1 MiB) rather than the read
    // stopped: a server that stops reading a request closes its connection, and the sender never sees the 413.
    const drainLimit = maxBodyBytes + Math.max(maxBodyBytes, defaultMaxBodyBytes)
    yield* request.stream.pipe(
      Stream.mapError(() => malformed("empty", "The webhook body could not be read")),
      Stream.runForEach((chunk) => {
        size += chunk.length
        if (size > drainLimit) return tooLarge(maxBodyBytes)
        if (size <= maxBodyBytes) chunks.push(chunk)
        return Effect.void
      })
    )
    if (size > maxBodyBytes) return yield* tooLarge(maxBodyBytes)
    return concat(chunks, size)
  })

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
export const httpApp = <A, E, R>(
  options: Options,
  onUpdate: (tracking: Tracking.Tracking) => Effect.Effect<A, E, R>
): Effect.Effect<HttpServerResponse.HttpServerResponse, never, HttpServerRequest.HttpServerRequest | R> => {
  const checked = validateOptions(options)
  return Effect.gen(function*() {
    if (Either.isLeft(checked)) {
      yield* Effect.logError("TrackingMore webhook: invalid options", checked.left)
      return internalError()
    }
    const request = yield* HttpServerRequest.HttpServerRequest
    if (request.method !== "POST") {
      return json(405, { error: "MethodNotAllowed", message: "TrackingMore webhooks are POSTs" })
    }
    const outcome = yield* Effect.either(
      Effect.flatMap(readBody(options.maxBodyBytes ?? defaultMaxBodyBytes), (body) => decode(body, options))
    )
    if (Either.isLeft(outcome)) {
      const error = outcome.left
      yield* Effect.logDebug("TrackingMore webhook refused").pipe(Effect.annotateLogs("error", error._tag))
      return json(statusOf(error), { error: error._tag, message: error.message })
    }
    const handled = yield* Effect.exit(onUpdate(outcome.right))
    if (handled._tag === "Failure") {
      if (!Cause.isInterruptedOnly(handled.cause)) {
        yield* Effect.logError("TrackingMore webhook: onUpdate failed", handled.cause)
      }
      return internalError()
    }
    return json(200, { ok: true })
  }).pipe(
    // Last line of defence: whatever escapes above (a defect in reading the request) is a 500, never a crash.
    Effect.catchAllCause((cause) =>
      Effect.as(Effect.logError("TrackingMore webhook: the delivery could not be handled", cause), internalError())
    )
  )
}
