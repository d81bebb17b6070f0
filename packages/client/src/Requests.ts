/**
 * What the TrackingMore v2 calls send: the schemas of request bodies (`CreateTracking`, `UpdateTracking`, …) and the
 * list filters. TypeScript sees camelCase; the wire carries TrackingMore's snake_case.
 *
 * @since 0.2.0
 */
import * as Schema from "effect/Schema"
import { field, shipmentFields } from "./internal/fields.js"
import type { Status } from "./Tracking.js"

/**
 * The fields of a new tracking (`POST /trackings/post`, one item of `POST /trackings/batch`).
 *
 * @since 0.1.0
 * @category schemas
 */
export const CreateTracking = Schema.Struct({
  ...shipmentFields,
  destinationCode: field(Schema.String, "destination_code"),
  title: field(Schema.String, "title"),
  logisticsChannel: field(Schema.String, "logistics_channel"),
  customerName: field(Schema.String, "customer_name"),
  customerEmail: field(Schema.String, "customer_email"),
  customerPhone: field(Schema.String, "customer_phone"),
  orderId: field(Schema.String, "order_id"),
  orderCreateTime: field(Schema.String, "order_create_time"),
  /** `YYYYMMDD` */
  trackingShipDate: field(Schema.String, "tracking_ship_date"),
  trackingPostalCode: field(Schema.String, "tracking_postal_code"),
  trackingAccountNumber: field(Schema.String, "tracking_account_number"),
  lang: field(Schema.String, "lang"),
  comment: field(Schema.String, "comment")
})

/**
 * @since 0.1.0
 * @category models
 */
export interface CreateTracking extends Schema.Schema.Type<typeof CreateTracking> {}

/**
 * The changeable fields of a tracking (`PUT /trackings/{carrier}/{number}`). `status` may only be 4, 7 or 8
 * (the API answers 4033 otherwise).
 *
 * @since 0.1.0
 * @category schemas
 */
export const UpdateTracking = Schema.Struct({
  title: field(Schema.String, "title"),
  logisticsChannel: field(Schema.String, "logistics_channel"),
  customerName: field(Schema.String, "customer_name"),
  customerEmail: field(Schema.String, "customer_email"),
  customerPhone: field(Schema.String, "customer_phone"),
  orderId: field(Schema.String, "order_id"),
  destinationCode: field(Schema.String, "destination_code"),
  archived: field(Schema.Boolean, "archived"),
  status: field(Schema.Union(Schema.Number, Schema.String), "status")
})

/**
 * @since 0.1.0
 * @category models
 */
export interface UpdateTracking extends Schema.Schema.Type<typeof UpdateTracking> {}

/**
 * One item of `POST /trackings/updatemore`: which tracking, and its changes.
 *
 * @since 0.1.0
 * @category schemas
 */
export const UpdateManyItem = Schema.Struct({
  ...UpdateTracking.fields,
  ...shipmentFields
})

/**
 * @since 0.1.0
 * @category models
 */
export interface UpdateManyItem extends Schema.Schema.Type<typeof UpdateManyItem> {}

/**
 * A tracking's identity: number and carrier (`POST /trackings/delete` items, realtime, change carrier).
 *
 * @since 0.1.0
 * @category schemas
 */
export const TrackingRef = Schema.Struct({
  ...shipmentFields
})

/**
 * @since 0.1.0
 * @category models
 */
export interface TrackingRef extends Schema.Schema.Type<typeof TrackingRef> {}

/**
 * The body of `POST /trackings/realtime`: a tracking's identity plus the optional create fields.
 *
 * @since 0.1.0
 * @category schemas
 */
export const RealtimeRequest = CreateTracking

/**
 * @since 0.1.0
 * @category models
 */
export interface RealtimeRequest extends CreateTracking {}

/**
 * Filters of `GET /trackings/get` (list) and `GET /trackings/getstatusnumber`. Times are unix seconds;
 * `numbers` holds at most 40 tracking numbers.
 *
 * @since 0.1.0
 * @category models
 */
export interface ListQuery {
  readonly page?: number
  /** default 100, max 2000 */
  readonly limit?: number
  readonly status?: Status
  readonly createdAtMin?: number
  readonly createdAtMax?: number
  readonly updateTimeMin?: number
  readonly updateTimeMax?: number
  readonly numbers?: ReadonlyArray<string>
  readonly orders?: ReadonlyArray<string>
  readonly archived?: boolean
  readonly lang?: string
}

/**
 * The query string of a {@link ListQuery}.
 *
 * @since 0.1.0
 * @category encoding
 */
export const listQueryParams = (query: ListQuery): Record<string, string> => {
  const out: Record<string, string> = {}
  if (query.page !== undefined) out.page = String(query.page)
  if (query.limit !== undefined) out.limit = String(query.limit)
  if (query.status !== undefined) out.status = query.status
  if (query.createdAtMin !== undefined) out.created_at_min = String(query.createdAtMin)
  if (query.createdAtMax !== undefined) out.created_at_max = String(query.createdAtMax)
  if (query.updateTimeMin !== undefined) out.update_time_min = String(query.updateTimeMin)
  if (query.updateTimeMax !== undefined) out.update_time_max = String(query.updateTimeMax)
  if (query.numbers !== undefined && query.numbers.length > 0) out.numbers = query.numbers.join(",")
  if (query.orders !== undefined && query.orders.length > 0) out.orders = query.orders.join(",")
  if (query.archived !== undefined) out.archived = String(query.archived)
  if (query.lang !== undefined) out.lang = query.lang
  return out
}
