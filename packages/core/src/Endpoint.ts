/**
 * The TrackingMore v2 API described once, as data: every endpoint's name, method, path, rate-limit group, whether
 * repeating it is safe, whether it writes, and how many items one call may carry. The client builds its requests
 * from this table and the simulator its routes, so the two cannot disagree; adding an endpoint is one row here,
 * and the compiler then asks for the client method and the simulator handler.
 *
 * @since 0.2.0
 */

/**
 * An HTTP method the API uses.
 *
 * @since 0.2.0
 * @category models
 */
export type Method = "GET" | "POST" | "PUT" | "DELETE"

/**
 * A rate-limit group: `realtime` (3 requests/s) and `list` (1 request/s) have budgets of their own; every other
 * endpoint shares `default` (1 request/s per API key).
 *
 * @since 0.2.0
 * @category models
 */
export type RateGroup = "default" | "realtime" | "list"

/**
 * One endpoint. `path` is relative to the base URL; `{carrier_code}` and `{tracking_number}` stand for path
 * segments (see {@link path}).
 *
 * @since 0.2.0
 * @category models
 */
export interface Endpoint<Name extends string = string> {
  readonly name: Name
  readonly method: Method
  readonly path: string
  readonly group: RateGroup
  /** Whether sending it twice is safe, so that a lost answer may be retried (`create` counts: 4016 is success). */
  readonly idempotent: boolean
  /** Whether it changes the account's trackings (a read-only key is refused these). */
  readonly write: boolean
  /** The most items one call may carry, for the endpoints that take many. */
  readonly maxItems?: number | undefined
}

/**
 * The most trackings one batch call carries (the batch page says 40; 4020's text says 200: 40 is sent).
 *
 * @since 0.2.0
 * @category constants
 */
export const maxBatchSize = 40

/**
 * The largest page the list endpoint answers: the documented maximum of its `limit` (its default is 100).
 *
 * @since 0.2.0
 * @category constants
 */
export const maxPageSize = 2000

const endpoint = <const Name extends string>(name: Name, fields: Omit<Endpoint<Name>, "name">): Endpoint<Name> => ({
  name,
  ...fields
})

const one = "/trackings/{carrier_code}/{tracking_number}"

/**
 * Every v2 endpoint, by name.
 *
 * @since 0.2.0
 * @category endpoints
 */
export const endpoints = {
  create: endpoint("create", { method: "POST", path: "/trackings/post", group: "default", idempotent: true, write: true }),
  batch: endpoint("batch", {
    method: "POST",
    path: "/trackings/batch",
    group: "default",
    idempotent: true,
    write: true,
    maxItems: maxBatchSize
  }),
  get: endpoint("get", { method: "GET", path: one, group: "default", idempotent: true, write: false }),
  update: endpoint("update", { method: "PUT", path: one, group: "default", idempotent: true, write: true }),
  delete: endpoint("delete", { method: "DELETE", path: one, group: "default", idempotent: false, write: true }),
  list: endpoint("list", {
    method: "GET",
    path: "/trackings/get",
    group: "list",
    idempotent: true,
    write: false,
    maxItems: maxBatchSize
  }),
  updateMany: endpoint("updateMany", {
    method: "POST",
    path: "/trackings/updatemore",
    group: "default",
    idempotent: true,
    write: true,
    maxItems: maxBatchSize
  }),
  deleteMany: endpoint("deleteMany", {
    method: "POST",
    path: "/trackings/delete",
    group: "default",
    idempotent: false,
    write: true,
    maxItems: maxBatchSize
  }),
  realtime: endpoint("realtime", {
    method: "POST",
    path: "/trackings/realtime",
    group: "realtime",
    idempotent: true,
    write: false
  }),
  changeCarrier: endpoint("changeCarrier", {
    method: "POST",
    path: "/trackings/update",
    group: "default",
    idempotent: false,
    write: true
  }),
  userInfo: endpoint("userInfo", {
    method: "GET",
    path: "/trackings/getuserinfo",
    group: "default",
    idempotent: true,
    write: false
  }),
  statusCounts: endpoint("statusCounts", {
    method: "GET",
    path: "/trackings/getstatusnumber",
    group: "default",
    idempotent: true,
    write: false
  }),
  carriers: endpoint("carriers", { method: "GET", path: "/carriers", group: "default", idempotent: true, write: false }),
  detect: endpoint("detect", {
    method: "POST",
    path: "/carriers/detect",
    group: "default",
    idempotent: true,
    write: false
  })
} as const

/**
 * The name of one endpoint: `"create"`, `"batch"`, `"get"`, ….
 *
 * @since 0.2.0
 * @category models
 */
export type Name = keyof typeof endpoints

/**
 * Every endpoint name, in the order of the API's endpoint table.
 *
 * @since 0.2.0
 * @category endpoints
 */
export const names: ReadonlyArray<Name> = Object.keys(endpoints) as Array<Name>

/**
 * Whether a string is an endpoint name.
 *
 * @since 0.2.0
 * @category predicates
 */
export const isName = (u: unknown): u is Name => typeof u === "string" && Object.hasOwn(endpoints, u)

// Lone surrogates would make `encodeURIComponent` throw: they become U+FFFD, and the server's validation answers.
const segment = (value: string): string =>
  encodeURIComponent(value.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, "\uFFFD"))

/**
 * The path of a call: the endpoint's path with `{carrier_code}` and `{tracking_number}` filled in, each value
 * URI-encoded as one segment, and optional further segments (the `lang` of `get`) appended.
 *
 * @since 0.2.0
 * @category paths
 * @example
 * ```ts
 * import { Endpoint } from "@trackingmore-effect/core"
 * Endpoint.path(Endpoint.endpoints.get, { carrier_code: "ups", tracking_number: "1Z 99" }, ["en"])
 * // "/trackings/ups/1Z%2099/en"
 * ```
 */
export const path = (
  spec: Endpoint,
  params: { readonly carrier_code?: string; readonly tracking_number?: string } = {},
  extra: ReadonlyArray<string> = []
): string => {
  const filled = spec.path.replace(/\{(carrier_code|tracking_number)\}/g, (_, name: "carrier_code" | "tracking_number") =>
    segment(params[name] ?? ""))
  return extra.reduce((out, part) => `${out}/${segment(part)}`, filled)
}

/**
 * The parameters of a path template, in order: `["carrier_code", "tracking_number"]` for `get`.
 *
 * @since 0.2.0
 * @category paths
 */
export const parameters = (spec: Endpoint): ReadonlyArray<string> =>
  Array.from(spec.path.matchAll(/\{([a-z_]+)\}/g), (match) => match[1]!)
