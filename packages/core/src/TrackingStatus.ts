/**
 * The delivery statuses of a tracking, as TrackingMore documents them, and which of them end a polling run. The
 * client's schemas and the simulator's lifecycle both take them from here.
 *
 * @since 0.2.0
 */

/**
 * Every documented status, in the order a shipment usually meets them.
 *
 * @since 0.2.0
 * @category constants
 */
export const all = ["pending", "notfound", "transit", "pickup", "delivered", "undelivered", "exception", "expired"] as const

/**
 * A delivery status: `pending` (added, not tracked yet), `notfound`, `transit`, `pickup`, `delivered`,
 * `undelivered`, `exception`, `expired` (30 days express or 60 days postal without delivery).
 *
 * @since 0.2.0
 * @category models
 */
export type TrackingStatus = (typeof all)[number]

/**
 * The statuses after which a run stops polling: `delivered`, `expired`, `undelivered`, `exception` (the last two
 * may still change, but are final for a run).
 *
 * @since 0.2.0
 * @category constants
 */
export const final: ReadonlyArray<TrackingStatus> = ["delivered", "expired", "undelivered", "exception"]

/**
 * Whether a value is a documented status.
 *
 * @since 0.2.0
 * @category predicates
 */
export const isTrackingStatus = (u: unknown): u is TrackingStatus =>
  typeof u === "string" && (all as ReadonlyArray<string>).includes(u)

/**
 * Whether a status is final for a polling run.
 *
 * @since 0.2.0
 * @category predicates
 */
export const isFinal = (status: string | undefined): boolean =>
  status !== undefined && (final as ReadonlyArray<string>).includes(status)
