/**
 * Receiving TrackingMore's v2 webhooks without Effect: `handleWebhook` for any framework (a raw body in, the
 * HTTP answer and the tracking out), `webhookHandler` for Node's `http` and Express, and `createDeduplicator`
 * for repeated and out-of-order deliveries. The checks are those of `Webhook` in `@trackingmore-effect/client`:
 * the signature (HMAC-SHA256 of `verifyInfo.timeStr` keyed with the account's email, compared in constant
 * time), a body size limit, an optional maximum age.
 *
 * @since 0.3.0
 */
import * as ClientWebhook from "@trackingmore-effect/client/Webhook"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import type { DurationInput } from "./Client.js"
import { readBody, send } from "./internal/nodeHttp.js"
import { toClientOptions } from "./internal/webhookOptions.js"
import type * as Tracking from "./Tracking.js"

/**
 * Options that check the signature (the default): the account's registered email, kept in an Effect `Redacted`
 * box from here on (it appears in no answer, error or log).
 *
 * `maxAge` (off by default, because TrackingMore does not say whether a re-delivery is signed again) refuses a
 * delivery whose `timeStr` is further than this from now, answered 401. `timeStr` is read as unix seconds below
 * 10^11, else as unix milliseconds.
 *
 * @since 0.3.0
 * @category models
 */
export interface WebhookVerifyOptions {
  readonly email: string
  readonly verify?: true | undefined
  /** The largest body read, in bytes (default 1 MiB); a longer one is answered 413. */
  readonly maxBodyBytes?: number | undefined
  readonly maxAge?: DurationInput | undefined
}

/**
 * Options that skip the signature check, written out: `{ verify: false }`.
 *
 * @since 0.3.0
 * @category models
 */
export interface WebhookUnverifiedOptions {
  readonly verify: false
  /** The largest body read, in bytes (default 1 MiB); a longer one is answered 413. */
  readonly maxBodyBytes?: number | undefined
  /** Ignored without verification (allowed, so that `{ email, verify: flag }` type-checks). */
  readonly email?: string | undefined
  /** Ignored without verification. */
  readonly maxAge?: DurationInput | undefined
}

/**
 * @since 0.3.0
 * @category models
 */
export type WebhookOptions = WebhookVerifyOptions | WebhookUnverifiedOptions

/**
 * Why a delivery was refused: `InvalidSignature` (401: `verifyInfo` missing or not signed with the email),
 * `WebhookExpired` (401: older than `maxAge`), `MalformedWebhook` (400: not JSON, not an object, no tracking),
 * `WebhookTooLarge` (413).
 *
 * @since 0.3.0
 * @category models
 */
export type WebhookErrorTag = "InvalidSignature" | "MalformedWebhook" | "WebhookTooLarge" | "WebhookExpired"

/**
 * A delivery that could not be checked at all (the runtime has no WebCrypto): answered 500, so that TrackingMore
 * delivers it again once the receiver is fixed.
 *
 * @since 0.3.0
 * @category models
 */
export interface WebhookInternalError {
  readonly tag: "InternalError"
  readonly message: string
}

/**
 * A refused delivery: its tag and a message without secrets.
 *
 * @since 0.3.0
 * @category models
 */
export interface WebhookError {
  readonly tag: WebhookErrorTag
  readonly message: string
}

/**
 * What to answer TrackingMore, and the tracking when the delivery is accepted. `body` is JSON
 * (`{"ok":true}`, or `{"error":tag,"message":…}`).
 *
 * @since 0.3.0
 * @category models
 */
export type WebhookResult =
  | { readonly status: 200; readonly body: string; readonly tracking: Tracking.Tracking }
  | { readonly status: 400 | 401 | 413; readonly body: string; readonly error: WebhookError }
  | { readonly status: 500; readonly body: string; readonly error: WebhookInternalError }

/**
 * Request headers, as Node gives them or as a Fetch `Headers`.
 *
 * @since 0.3.0
 * @category models
 */
export type WebhookHeaders =
  | Readonly<Record<string, string | ReadonlyArray<string> | undefined>>
  | { readonly get: (name: string) => string | null }

const okBody = JSON.stringify({ ok: true })
const internalMessage = "The update could not be handled"
const internalError = JSON.stringify({ error: "InternalError", message: internalMessage })

/**
 * Checks one delivery and says what to answer: `200` with the tracking, or `401`/`400`/`413` with the error.
 * Framework-neutral: give it the raw body (text or bytes, as received: do not parse and re-serialize it when
 * you can avoid it) and the headers. v2 signs inside the body, so the headers are not read today; they are
 * taken so that the call stays the same for signatures in a header. The Promise rejects for no delivery; only
 * options that cannot work (an empty `email`, a `maxBodyBytes` of 0, a `maxAge` that does not parse, an unknown
 * option) reject it, with an `InvalidOptionError` naming the option.
 *
 * Answer 200 only once the update is stored: TrackingMore delivers again what was not answered 2xx.
 *
 * @since 0.3.0
 * @category webhooks
 * @example
 * ```ts
 * import { handleWebhook } from "@trackingmore-effect/promise"
 *
 * declare const request: Request
 * declare function save(tracking: object): Promise<void>
 *
 * const result = await handleWebhook(await request.text(), request.headers, { email: "ops@example.com" })
 * if (result.status === 200) await save(result.tracking)
 * const response = new Response(result.body, { status: result.status })
 * ```
 */
export const handleWebhook = async (
  rawBody: string | Uint8Array | ArrayBuffer,
  headers: WebhookHeaders | undefined,
  options: WebhookOptions
): Promise<WebhookResult> => {
  void headers // v2 signs inside the body
  const exit = await Effect.runPromiseExit(Effect.either(ClientWebhook.decode(rawBody, toClientOptions("handleWebhook", options))))
  // A defect (no WebCrypto in the runtime) still gets an answer: a 500 that names no internals.
  if (Exit.isFailure(exit)) return { status: 500, body: internalError, error: { tag: "InternalError", message: internalMessage } }
  const outcome = exit.value
  return Either.isRight(outcome) ? { status: 200, body: okBody, tracking: outcome.right } : refusal(outcome.left)
}

const refusal = (cause: ClientWebhook.WebhookError): WebhookResult => {
  const error: WebhookError = { tag: cause._tag, message: cause.message }
  return {
    status: ClientWebhook.statusOf(cause),
    body: JSON.stringify({ error: error.tag, message: error.message }),
    error
  }
}

/**
 * The parts of Node's `IncomingMessage` (and Express's `Request`) that {@link webhookHandler} uses. `body` is
 * what an Express body parser left (`express.raw`, `express.text` or `express.json`); without one the body is
 * read from the stream.
 *
 * @since 0.3.0
 * @category models
 */
export interface WebhookRequest {
  readonly method?: string | undefined
  readonly headers: Readonly<Record<string, string | ReadonlyArray<string> | undefined>>
  readonly body?: unknown
  on(event: "data", listener: (chunk: Uint8Array | string) => void): unknown
  on(event: "end", listener: () => void): unknown
  on(event: "error", listener: (error: Error) => void): unknown
}

/**
 * The parts of Node's `ServerResponse` (and Express's `Response`) that {@link webhookHandler} uses.
 *
 * @since 0.3.0
 * @category models
 */
export interface WebhookResponse {
  statusCode: number
  setHeader(name: string, value: string): unknown
  end(body: string): unknown
}

/**
 * A request handler for Node's `http.createServer` and Express (`app.post("/trackingmore", handler)`): reads the
 * body (at most `maxBodyBytes`), checks it with {@link handleWebhook}, awaits `onUpdate` with the tracking and
 * answers 200 once it resolved; 401 for a bad signature, 400 for a malformed body, 413 for a body too large, 405
 * for another method, 500 (without details) when `onUpdate` throws or rejects, so that TrackingMore delivers it
 * again. Handling a request never throws and never leaves a rejected Promise behind; options that cannot work
 * throw an `InvalidOptionError` here, when the handler is made.
 *
 * Mount it without a body parser, or after `express.raw()`, `express.text()` or `express.json()`.
 *
 * @since 0.3.0
 * @category webhooks
 * @example
 * ```ts
 * import { webhookHandler } from "@trackingmore-effect/promise"
 *
 * // an Express app (`http.createServer(handler)` takes the handler as well)
 * declare const app: { post: (path: string, handler: ReturnType<typeof webhookHandler>) => void }
 *
 * app.post("/trackingmore", webhookHandler({ email: "ops@example.com" }, async (tracking) => {
 *   console.log(tracking.trackingNumber, tracking.status)
 * }))
 * ```
 */
export const webhookHandler = (
  options: WebhookOptions,
  onUpdate: (tracking: Tracking.Tracking) => unknown
): (req: WebhookRequest, res: WebhookResponse) => void => {
  toClientOptions("webhookHandler", options)
  return (req, res) => {
    const respond = async (): Promise<void> => {
      if (req.method !== undefined && req.method !== "POST") {
        return send(res, 405, JSON.stringify({ error: "MethodNotAllowed", message: "TrackingMore webhooks are POSTs" }))
      }
      const maxBodyBytes = options.maxBodyBytes ?? ClientWebhook.defaultMaxBodyBytes
      const read = await readBody(req, maxBodyBytes)
      if (read._tag === "failed") return send(res, 400, JSON.stringify({ error: "MalformedWebhook", message: "The webhook body could not be read" }))
      const result = read._tag === "too-large"
        ? refusal(new ClientWebhook.WebhookTooLarge({ maxBodyBytes, message: `The webhook body is longer than ${maxBodyBytes} bytes` }))
        : await handleWebhook(read.body, req.headers, options)
      if (result.status !== 200) return send(res, result.status, result.body)
      try {
        await onUpdate(result.tracking)
      } catch {
        return send(res, 500, internalError)
      }
      send(res, 200, result.body)
    }
    respond().catch(() => send(res, 500, internalError))
  }
}

// ---------------------------------------------------------------------------------------------------------------
// ordering and repeats

/**
 * What a deduplicator remembers of the last tracking handled for one shipment: plain strings, so that a store
 * can keep it as JSON.
 *
 * @since 0.3.0
 * @category models
 */
export interface WebhookMark {
  readonly status?: string | undefined
  readonly updatedAt?: string | undefined
  readonly lastUpdateTime?: string | undefined
}

/**
 * How a delivery relates to the last one handled for the same shipment: `new` (newer, or the first), `repeat`
 * (the same update time and status), `stale` (an older update time: it arrived out of order).
 *
 * @since 0.3.0
 * @category models
 */
export type WebhookVerdict = "new" | "repeat" | "stale"

/**
 * Where a deduplicator keeps the last mark per shipment (key `carrierCode/trackingNumber`); default: an
 * in-memory `Map`. Give a shared one (Redis, a database) when several processes receive the webhooks.
 *
 * @since 0.3.0
 * @category models
 */
export interface WebhookStore {
  readonly get: (key: string) => WebhookMark | undefined | Promise<WebhookMark | undefined>
  readonly set: (key: string, mark: WebhookMark) => void | Promise<void>
}

/**
 * Drops repeated and out-of-order deliveries, by the tracking's `updatedAt` (else `lastUpdateTime`), then its
 * status.
 *
 * @since 0.3.0
 * @category models
 */
export interface WebhookDeduplicator {
  /** The verdict on a tracking, without remembering it. */
  readonly check: (tracking: Tracking.Tracking) => Promise<WebhookVerdict>
  /** Remembers a tracking as the last one handled for its shipment. */
  readonly record: (tracking: Tracking.Tracking) => Promise<void>
  /**
   * Calls `onNew` for a `new` tracking and remembers it once `onNew` resolved (a rejection is not remembered, so
   * the re-delivery is handled); skips a `repeat` or `stale` one. Two identical deliveries at the same moment
   * may both be handled: handle idempotently.
   */
  readonly handle: (tracking: Tracking.Tracking, onNew: (tracking: Tracking.Tracking) => unknown) => Promise<WebhookVerdict>
}

/**
 * A {@link WebhookDeduplicator} over a store (default: in memory, one entry per shipment for the life of the
 * process).
 *
 * @since 0.3.0
 * @category webhooks
 * @example
 * ```ts
 * import { createDeduplicator, webhookHandler } from "@trackingmore-effect/promise"
 *
 * const dedup = createDeduplicator()
 * const handler = webhookHandler({ email: "ops@example.com" }, (tracking) =>
 *   dedup.handle(tracking, async (t) => console.log(t.trackingNumber, t.status)))
 * ```
 */
export const createDeduplicator = (store?: WebhookStore): WebhookDeduplicator => {
  const marks: WebhookStore = store ?? (() => {
    const map = new Map<string, WebhookMark>()
    return { get: (key) => map.get(key), set: (key, mark) => void map.set(key, mark) }
  })()
  const keyOf = (tracking: Tracking.Tracking) => `${tracking.carrierCode}/${tracking.trackingNumber}`
  const markOf = (tracking: Tracking.Tracking): WebhookMark => ({
    status: tracking.status,
    updatedAt: tracking.updatedAt,
    lastUpdateTime: tracking.lastUpdateTime
  })
  const check = async (tracking: Tracking.Tracking) =>
    ClientWebhook.classify(await marks.get(keyOf(tracking)), markOf(tracking))
  const record = async (tracking: Tracking.Tracking) => {
    await marks.set(keyOf(tracking), markOf(tracking))
  }
  return {
    check,
    record,
    handle: async (tracking, onNew) => {
      const verdict = await check(tracking)
      if (verdict !== "new") return verdict
      await onNew(tracking)
      await record(tracking)
      return verdict
    }
  }
}
