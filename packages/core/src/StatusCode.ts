/**
 * The TrackingMore v2 status-code catalogue as data: every `meta.code` the API documents, with its type, its
 * meaning in English, the tag of the error it becomes and a coarse category.
 *
 * @since 0.1.0
 */
import { maxBatchSize } from "./Endpoint.js"

/**
 * Coarse grouping of codes, used by policies and dashboards.
 *
 * @since 0.1.0
 * @category models
 */
export type Category =
  | "success"
  | "limit"
  | "auth"
  | "billing"
  | "invalid-request"
  | "conflict"
  | "not-found"
  | "not-registered"
  | "rate-limit"
  | "server"
  | "unavailable"

/**
 * The tags of the errors that carry a documented status code.
 *
 * @since 0.1.0
 * @category models
 */
export type CodeErrorTag = (typeof entries)[number]["tag"] extends infer T ? Exclude<T, SuccessTag> : never

/**
 * The tags of the two success codes.
 *
 * @since 0.1.0
 * @category models
 */
export type SuccessTag = "Success" | "Created"

/**
 * One row of the catalogue.
 *
 * @since 0.1.0
 * @category models
 */
export interface StatusCode {
  readonly code: number
  readonly type: string
  readonly meaning: string
  readonly tag: CodeErrorTag | SuccessTag
  readonly category: Category
}

const entries = [
  { code: 200, type: "Success", meaning: "The request succeeded.", tag: "Success", category: "success" },
  { code: 201, type: "Created", meaning: "The request succeeded and a resource was created.", tag: "Created", category: "success" },
  { code: 202, type: "Bad Request", meaning: "The request succeeded but a limit was exceeded.", tag: "LimitExceeded", category: "limit" },
  { code: 401, type: "Unauthorized", meaning: "Authentication failed or the user lacks permission for this operation.", tag: "Unauthorized", category: "auth" },
  { code: 4001, type: "Unauthorized", meaning: "Invalid API key.", tag: "InvalidApiKey", category: "auth" },
  { code: 4002, type: "Unauthorized", meaning: "The API key has been deleted.", tag: "ApiKeyDeleted", category: "auth" },
  { code: 4012, type: "Bad Request", meaning: "The request cannot be parsed or lacks required parameters.", tag: "InvalidRequest", category: "invalid-request" },
  { code: 4013, type: "Bad Request", meaning: "tracking_number is required.", tag: "TrackingNumberRequired", category: "invalid-request" },
  { code: 4014, type: "Bad Request", meaning: "The value of tracking_number is invalid.", tag: "InvalidTrackingNumber", category: "invalid-request" },
  { code: 4015, type: "Bad Request", meaning: "The value of carrier_code is invalid.", tag: "InvalidCarrierCode", category: "invalid-request" },
  { code: 4016, type: "Bad Request", meaning: "The tracking already exists.", tag: "TrackingAlreadyExists", category: "conflict" },
  { code: 4017, type: "Bad Request", meaning: "The tracking does not exist.", tag: "TrackingNotFound", category: "not-found" },
  { code: 4018, type: "Bad Request", meaning: "This feature needs custom activation because of overload risk; contact TrackingMore support.", tag: "ActivationRequired", category: "invalid-request" },
  { code: 4019, type: "Bad Request", meaning: "Insufficient balance; top up the account.", tag: "InsufficientBalance", category: "billing" },
  { code: 4020, type: "Bad Request", meaning: `Too many items in one request; send at most ${maxBatchSize} per batch.`, tag: "BatchTooLarge", category: "limit" },
  { code: 4021, type: "Bad Request", meaning: "The remaining balance is not enough to call the API (quota used up or free trial over).", tag: "QuotaExhausted", category: "billing" },
  { code: 4031, type: "No Content", meaning: "The tracking number has not been added yet; create it first (POST /trackings/post), then get it.", tag: "NotRegistered", category: "not-registered" },
  { code: 4032, type: "No Content", meaning: "The courier cannot be detected; assign the shipment a carrier instead of auto-detection.", tag: "CarrierNotDetected", category: "invalid-request" },
  { code: 4033, type: "No Content", meaning: "The value of status is invalid (only 4, 7 or 8 are allowed).", tag: "InvalidStatus", category: "invalid-request" },
  { code: 402, type: "Payment Required", meaning: "Payment required.", tag: "PaymentRequired", category: "billing" },
  { code: 403, type: "Forbidden", meaning: "Access denied.", tag: "Forbidden", category: "auth" },
  { code: 404, type: "Not Found", meaning: "Resource not found.", tag: "NotFound", category: "not-found" },
  { code: 405, type: "Method Not Allowed", meaning: "Method not supported for this resource.", tag: "MethodNotAllowed", category: "invalid-request" },
  { code: 409, type: "Conflict", meaning: "The request conflicts with the current state.", tag: "Conflict", category: "conflict" },
  { code: 429, type: "Too Many Requests", meaning: "API limit exceeded: pause requests and wait two minutes before trying again.", tag: "TooManyRequests", category: "rate-limit" },
  { code: 500, type: "Server error", meaning: "TrackingMore server error.", tag: "ServerError", category: "server" },
  { code: 503, type: "Service Unavailable", meaning: "TrackingMore is temporarily unavailable (for example scheduled maintenance).", tag: "ServiceUnavailable", category: "unavailable" }
] as const satisfies ReadonlyArray<Omit<StatusCode, "tag"> & { readonly tag: string }>

/**
 * Every documented code, in the order of the API's table.
 *
 * @since 0.1.0
 * @category catalogue
 */
export const all: ReadonlyArray<StatusCode> = entries

const byCode: ReadonlyMap<number, StatusCode> = new Map(all.map((entry) => [entry.code, entry]))
const byTag: ReadonlyMap<string, StatusCode> = new Map(all.map((entry) => [entry.tag, entry]))

/**
 * The catalogue row of a code, or `undefined` for a code TrackingMore does not document.
 *
 * @since 0.1.0
 * @category catalogue
 * @example
 * ```ts
 * import * as StatusCode from "@trackingmore-effect/core/StatusCode"
 * StatusCode.lookup(429)?.tag // "TooManyRequests"
 * ```
 */
export const lookup = (code: number): StatusCode | undefined => byCode.get(code)

/**
 * The catalogue row of a tag (success tags included).
 *
 * @since 0.1.0
 * @category catalogue
 */
export const forTag = (tag: CodeErrorTag | SuccessTag): StatusCode => byTag.get(tag)!

/**
 * Whether a code means success (200 or 201).
 *
 * @since 0.1.0
 * @category predicates
 */
export const isSuccess = (code: number): code is 200 | 201 => code === 200 || code === 201

/**
 * The code of each error tag, as a type-level and runtime record.
 *
 * @since 0.1.0
 * @category catalogue
 */
export type CodeOf<Tag extends CodeErrorTag> = Extract<(typeof entries)[number], { readonly tag: Tag }>["code"]
