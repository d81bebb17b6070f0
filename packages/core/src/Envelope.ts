/**
 * Decoding of TrackingMore's response envelope `{ meta: { code, type, message }, data }` into data or a typed
 * error. Works whether the server mirrors the code in the HTTP status or always answers HTTP 200, and never
 * throws, for any bytes and for any value given in place of a response.
 *
 * @since 0.1.0
 */
import * as Duration from "effect/Duration"
import * as Either from "effect/Either"
import * as StatusCode from "./StatusCode.js"
import * as TrackingMoreError from "./TrackingMoreError.js"

/**
 * What arrived over the wire.
 *
 * @since 0.1.0
 * @category models
 */
export interface RawResponse {
  readonly status: number
  readonly headers: Readonly<Record<string, string | undefined>>
  readonly body: string | Uint8Array
  readonly method?: string | undefined
  readonly endpoint?: string | undefined
  /**
   * When the answer arrived (epoch ms). Used to resolve a `Retry-After` HTTP date when the response has no
   * `Date` header; without either, the date form is ignored rather than guessed.
   */
  readonly receivedAt?: number | undefined
}

/**
 * A successful answer: its code (200 or 201) and the envelope's `data`, not yet decoded.
 *
 * @since 0.1.0
 * @category models
 */
export interface Success {
  readonly code: 200 | 201
  readonly message: string
  readonly data: unknown
}

/**
 * HTTP statuses that map to a catalogue error even when no JSON envelope came (a bare proxy answer).
 */
const bareStatuses: ReadonlySet<number> = new Set([401, 403, 404, 405, 409, 429, 500, 503])

const decoder = new TextDecoder("utf-8", { fatal: false })

/**
 * Decode one response. The envelope's `meta.code` decides when present; without usable JSON the HTTP status
 * decides (`MalformedResponse`, or the code's own error for a bare 401/403/404/405/409/429/500/503). JSON that
 * is not an object (`null`, a number, a string, an array, a boolean) counts as no envelope, so a 429 or 503
 * answering `null` is still `TooManyRequests` or `ServiceUnavailable`.
 *
 * Total: it never throws, whatever it is given, also a value that does not match {@link RawResponse} (it may
 * come from untyped code): a missing or throwing `status` is status 0, a missing body is empty and a body that is
 * neither text nor bytes is unreadable (`MalformedResponse` of kind `"other"` unless the status decides),
 * headers that are missing, not an object, or throw are absent, and a header value is read only when it is a
 * string or a finite number (an array gives its first string).
 *
 * @since 0.1.0
 * @category decoding
 * @example
 * ```ts
 * import { Envelope } from "@trackingmore-effect/core"
 * Envelope.decode({ status: 200, headers: {}, body: '{"meta":{"code":4017,"message":"not found"},"data":[]}' })
 * // Either.left(TrackingNotFound)
 * ```
 */
export const decode = (response: RawResponse): Either.Either<Success, TrackingMoreError.TrackingMoreError> => {
  try {
    return decodeUnsafe(response)
  } catch (cause) {
    // Last defence only: every read below is guarded, so nothing is expected to throw.
    return Either.left(TrackingMoreError.malformed(readStatus(response), "other", "", {}, `decoder failure: ${describeCause(cause)}`))
  }
}

// What was thrown may itself refuse to print (a throwing `toString`, a revoked proxy).
const describeCause = (cause: unknown): string => {
  try {
    return String(cause)
  } catch {
    return "an unprintable value"
  }
}

const decodeUnsafe = (response: RawResponse): Either.Either<Success, TrackingMoreError.TrackingMoreError> => {
  const status = readStatus(response)
  const text = readBody(response)
  // Only an error carries the context: a success (every call's path) reads no header.
  const errorContext = (): TrackingMoreError.ErrorContext => {
    const headers = property(response, "headers")
    const receivedAt = property(response, "receivedAt")
    return {
      retryAfter: parseRetryAfter(
        header(headers, "retry-after"),
        header(headers, "date"),
        typeof receivedAt === "number" && Number.isFinite(receivedAt) ? receivedAt : undefined
      ),
      method: stringOrUndefined(property(response, "method")),
      endpoint: stringOrUndefined(property(response, "endpoint"))
    }
  }
  const parsed = text === undefined ? undefined : parseJson(text)
  const envelope = parsed !== undefined && parsed.ok ? readEnvelope(parsed.value) : undefined
  if (envelope === undefined) {
    const context = errorContext()
    if (bareStatuses.has(status)) {
      return Either.left(TrackingMoreError.fromCode(status, context))
    }
    if (text === undefined || parsed === undefined) {
      return Either.left(TrackingMoreError.malformed(status, "other", "", context, "body is neither text nor bytes"))
    }
    const kind: TrackingMoreError.MalformedKind = text.length === 0
      ? "empty"
      : !parsed.ok
      ? looksLikeHtml(text) ? "html" : "invalid-json"
      : "no-envelope"
    return Either.left(TrackingMoreError.malformed(status, kind, text, context))
  }
  const { data, meta } = envelope
  if (StatusCode.isSuccess(meta.code)) {
    return Either.right({ code: meta.code, message: meta.message ?? "", data })
  }
  return Either.left(TrackingMoreError.fromCode(meta.code, { ...errorContext(), serverMessage: meta.message }))
}

interface Meta {
  readonly code: number
  readonly message: string | undefined
}

/** The envelope of a parsed JSON value: `undefined` unless it is an object with an object `meta` and a code. */
const readEnvelope = (value: unknown): { readonly meta: Meta; readonly data: unknown } | undefined => {
  // `null`, numbers, strings, booleans and arrays are JSON but no envelope.
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined
  const meta = readMeta((value as { readonly meta?: unknown }).meta)
  return meta === undefined ? undefined : { meta, data: (value as { readonly data?: unknown }).data }
}

const readMeta = (meta: unknown): Meta | undefined => {
  if (typeof meta !== "object" || meta === null) return undefined
  const code = (meta as { readonly code?: unknown }).code
  const numeric = typeof code === "number" ? code : typeof code === "string" && /^\d+$/.test(code) ? Number(code) : NaN
  if (!Number.isSafeInteger(numeric)) return undefined
  const message = (meta as { readonly message?: unknown }).message
  return { code: numeric, message: typeof message === "string" ? message : undefined }
}

const parseJson = (text: string): { readonly ok: true; readonly value: unknown } | { readonly ok: false } => {
  try {
    return { ok: true, value: JSON.parse(text) }
  } catch {
    return { ok: false }
  }
}

const looksLikeHtml = (text: string): boolean => /^\s*</.test(text)

/**
 * A property of a value of unknown shape: `undefined` when the value is not an object or the read throws (a
 * getter, a proxy). The response may come from untyped code, and `decode` promises never to throw.
 */
const property = (value: unknown, key: string): unknown => {
  if ((typeof value !== "object" && typeof value !== "function") || value === null) return undefined
  try {
    return (value as Record<string, unknown>)[key]
  } catch {
    return undefined
  }
}

const stringOrUndefined = (value: unknown): string | undefined => typeof value === "string" ? value : undefined

const readStatus = (response: unknown): number => {
  const status = property(response, "status")
  return typeof status === "number" && Number.isSafeInteger(status) ? status : 0
}

/** The body as text; `undefined` when it is neither text nor bytes. A missing body is an empty one. */
const readBody = (response: unknown): string | undefined => {
  const body = property(response, "body")
  if (typeof body === "string") return body
  if (body === undefined || body === null) return ""
  try {
    // `instanceof` consults the prototype, which a proxy may refuse; a detached buffer cannot be decoded.
    return ArrayBuffer.isView(body) || body instanceof ArrayBuffer ? decoder.decode(body) : undefined
  } catch {
    return undefined
  }
}

/** A header value as text: a string, a finite number's digits, or an array's first string (Node's form). */
const headerText = (value: unknown): string | undefined => {
  if (typeof value === "string") return value
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : undefined
  try {
    // A proxy may throw from `isArray` (revoked) or from its elements' getters.
    return Array.isArray(value) ? value.find((item): item is string => typeof item === "string") : undefined
  } catch {
    return undefined
  }
}

/** A header by case-insensitive name, from headers of unknown shape. */
const header = (headers: unknown, name: string): string | undefined => {
  if (typeof headers !== "object" || headers === null) return undefined
  const direct = headerText(property(headers, name))
  if (direct !== undefined) return direct
  let keys: ReadonlyArray<string>
  try {
    keys = Object.keys(headers)
  } catch {
    // A proxy whose `ownKeys` throws.
    return undefined
  }
  for (const key of keys) {
    if (key.toLowerCase() === name) {
      const value = headerText(property(headers, key))
      if (value !== undefined) return value
    }
  }
  return undefined
}

/**
 * Parse a `Retry-After` header: delta-seconds, or an HTTP date taken relative to the response's `Date` header
 * (or to `receivedAt`). A date in the past gives zero; anything unreadable gives `undefined`.
 *
 * @since 0.1.0
 * @category decoding
 */
export const parseRetryAfter = (
  value: string | undefined,
  dateHeader?: string | undefined,
  receivedAt?: number | undefined
): Duration.Duration | undefined => {
  // Checked, not trusted: the values may come from untyped code, and `decode` must not throw.
  if (typeof value !== "string") return undefined
  const trimmed = value.trim()
  if (/^\d+$/.test(trimmed)) {
    const seconds = Number(trimmed)
    return Number.isSafeInteger(seconds) ? Duration.seconds(seconds) : undefined
  }
  const at = Date.parse(trimmed)
  if (Number.isNaN(at)) return undefined
  const date = typeof dateHeader === "string" ? Date.parse(dateHeader) : NaN
  const reference = !Number.isNaN(date)
    ? date
    : typeof receivedAt === "number" && Number.isFinite(receivedAt)
    ? receivedAt
    : undefined
  if (reference === undefined) return undefined
  return Duration.millis(Math.max(0, at - reference))
}
