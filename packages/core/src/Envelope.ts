/**
 * Decoding of TrackingMore's response envelope `{ meta: { code, type, message }, data }` into data or a typed
 * error. Works whether the server mirrors the code in the HTTP status or always answers HTTP 200, and never
 * throws, for any bytes.
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
 * decides (`MalformedResponse`, or the code's own error for a bare 401/403/404/405/409/429/500/503).
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
    // Defensive: nothing above is expected to throw, but the contract is "never throws".
    return Either.left(TrackingMoreError.malformed(safeStatus(response), "other", "", {}, `decoder failure: ${String(cause)}`))
  }
}

const decodeUnsafe = (response: RawResponse): Either.Either<Success, TrackingMoreError.TrackingMoreError> => {
  const status = safeStatus(response)
  const text = typeof response.body === "string" ? response.body : decoder.decode(response.body)
  // Only an error carries the context: a success (every call's path) reads no header.
  const errorContext = (): TrackingMoreError.ErrorContext => ({
    retryAfter: parseRetryAfter(
      header(response.headers, "retry-after"),
      header(response.headers, "date"),
      response.receivedAt
    ),
    method: response.method,
    endpoint: response.endpoint
  })
  const parsed = parseJson(text)
  const meta = parsed.ok ? readMeta(parsed.value) : undefined
  const data = parsed.ok ? (parsed.value as { readonly data?: unknown }).data : undefined
  if (meta === undefined) {
    const context = errorContext()
    if (bareStatuses.has(status)) {
      return Either.left(TrackingMoreError.fromCode(status, context))
    }
    const kind: TrackingMoreError.MalformedKind = text.length === 0
      ? "empty"
      : !parsed.ok
      ? looksLikeHtml(text) ? "html" : "invalid-json"
      : "no-envelope"
    return Either.left(TrackingMoreError.malformed(status, kind, text, context))
  }
  if (StatusCode.isSuccess(meta.code)) {
    return Either.right({ code: meta.code, message: meta.message ?? "", data })
  }
  return Either.left(TrackingMoreError.fromCode(meta.code, { ...errorContext(), serverMessage: meta.message }))
}

const readMeta = (value: unknown): { readonly code: number; readonly message: string | undefined } | undefined => {
  if (typeof value !== "object" || value === null || !("meta" in value)) return undefined
  const meta = (value as { readonly meta: unknown }).meta
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

const safeStatus = (response: RawResponse): number =>
  typeof response.status === "number" && Number.isSafeInteger(response.status) ? response.status : 0

const header = (headers: RawResponse["headers"], name: string): string | undefined => {
  if (typeof headers !== "object" || headers === null) return undefined
  const direct = headers[name]
  if (direct !== undefined) return direct
  for (const key of Object.keys(headers)) {
    if (key.toLowerCase() === name) return headers[key]
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
  if (value === undefined) return undefined
  const trimmed = value.trim()
  if (/^\d+$/.test(trimmed)) {
    const seconds = Number(trimmed)
    return Number.isSafeInteger(seconds) ? Duration.seconds(seconds) : undefined
  }
  const at = Date.parse(trimmed)
  if (Number.isNaN(at)) return undefined
  const reference = dateHeader !== undefined && !Number.isNaN(Date.parse(dateHeader))
    ? Date.parse(dateHeader)
    : receivedAt
  if (reference === undefined) return undefined
  return Duration.millis(Math.max(0, at - reference))
}
