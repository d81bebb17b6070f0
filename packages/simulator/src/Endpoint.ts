/**
 * The stable names of the TrackingMore v2 endpoints, as used by the simulator's log, counters, fault scripts and
 * rate-limit groups.
 *
 * @since 0.1.0
 */

/**
 * Every endpoint name, in the order of the API's endpoint table.
 *
 * @since 0.1.0
 * @category constants
 */
export const endpoints = [
  "create",
  "batch",
  "get",
  "update",
  "delete",
  "list",
  "updateMany",
  "deleteMany",
  "realtime",
  "changeCarrier",
  "userInfo",
  "statusCounts",
  "carriers",
  "detect"
] as const

/**
 * The name of one endpoint.
 *
 * @since 0.1.0
 * @category models
 */
export type Endpoint = (typeof endpoints)[number]

/**
 * A rate-limit group: `realtime` and `list` have their own budgets, every other endpoint shares `default`.
 *
 * @since 0.1.0
 * @category models
 */
export type RateGroup = "default" | "realtime" | "list"

/**
 * The rate-limit group of an endpoint.
 *
 * @since 0.1.0
 * @category rate limits
 */
export const rateGroup = (endpoint: Endpoint): RateGroup =>
  endpoint === "realtime" ? "realtime" : endpoint === "list" ? "list" : "default"

/**
 * Whether an endpoint changes the account's trackings (a read-only key receives 401 on these).
 *
 * @since 0.1.0
 * @category predicates
 */
export const isWrite = (endpoint: Endpoint): boolean =>
  endpoint === "create" || endpoint === "batch" || endpoint === "update" || endpoint === "delete" ||
  endpoint === "updateMany" || endpoint === "deleteMany" || endpoint === "changeCarrier"

/**
 * Whether a string is an endpoint name.
 *
 * @since 0.1.0
 * @category predicates
 */
export const isEndpoint = (u: unknown): u is Endpoint =>
  typeof u === "string" && (endpoints as ReadonlyArray<string>).includes(u)
