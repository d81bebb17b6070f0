/**
 * What a handler answers (a code, its data and an optional message) and the small JSON helpers the handlers
 * share. The HTTP layer turns a `Result` into an envelope.
 */
import * as StatusCode from "@trackingmore-effect/core/StatusCode"

export interface Result {
  readonly code: number
  readonly data: unknown
  readonly message?: string
}

/** The catalogue's meaning of a code, or "Unknown". */
export const meaning = (code: number): string => StatusCode.lookup(code)?.meaning ?? "Unknown"

export const ok = (data: unknown, code = 200, message?: string): Result =>
  message === undefined ? { code, data } : { code, data, message }

/** An error answer: `data: []`, and the catalogue's meaning followed by `detail` when there is one. */
export const fail = (code: number, detail?: string): Result =>
  detail === undefined ? { code, data: [] } : { code, data: [], message: `${meaning(code)} ${detail}` }

export type Json = Record<string, unknown>

export const isObject = (u: unknown): u is Json => typeof u === "object" && u !== null && !Array.isArray(u)

/** A string field as the API reads it: numbers count as their decimal text. */
export const str = (u: unknown): string | undefined =>
  typeof u === "string" ? u : typeof u === "number" ? String(u) : undefined

export const BAD_JSON: unique symbol = Symbol("bad-json")

/** The parsed body, or `BAD_JSON`; an empty body is `{}` where the endpoint allows it (update). */
export const parseBody = (body: string, emptyIsObject: boolean): unknown => {
  if (body.trim().length === 0) return emptyIsObject ? {} : BAD_JSON
  try {
    return JSON.parse(body) as unknown
  } catch {
    return BAD_JSON
  }
}

/** One failed item of a many-item call, as it appears in the answer's `errors`. */
export const itemError = (item: unknown, result: Result): unknown => ({
  tracking_number: isObject(item) ? (str(item.tracking_number) ?? "") : "",
  carrier_code: isObject(item) ? (str(item.carrier_code) ?? "") : "",
  code: result.code,
  message: result.message ?? meaning(result.code)
})
