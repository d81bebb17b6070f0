/**
 * Schemas of the TrackingMore v2 requests and responses. TypeScript sees camelCase (`trackingNumber`,
 * `carrierCode`); the wire carries TrackingMore's snake_case. Decoding is lenient: unknown fields are dropped
 * without error, optional fields may be missing or `null`, numbers may come as strings.
 *
 * @since 0.1.0
 */
import * as TrackingStatus from "@trackingmore-effect/core/TrackingStatus"
import * as Either from "effect/Either"
import type * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import * as Wire from "./internal/wire.js"

// ---------------------------------------------------------------------------------------------------------------
// lenient building blocks

/**
 * A number that may arrive as a numeric string.
 *
 * @since 0.1.0
 * @category schemas
 */
export const LenientNumber: Schema.Schema<number, number | string> = Schema.Union(
  Schema.Number,
  Schema.NumberFromString
)

/**
 * A boolean that may arrive as `"true"`/`"false"`, `1`/`0` or `"1"`/`"0"`.
 *
 * @since 0.1.0
 * @category schemas
 */
export const LenientBoolean: Schema.Schema<boolean, boolean | string | number> = Schema.transform(
  Schema.Union(Schema.Boolean, Schema.String, Schema.Number),
  Schema.Boolean,
  {
    strict: true,
    decode: (value) => value === true || value === "true" || value === 1 || value === "1",
    encode: (value) => value
  }
)

/** An optional request field, renamed to its snake_case key on the wire (kept as a literal type, as in `Wire`). */
const field = <A, I, K extends string>(schema: Schema.Schema<A, I>, key: K) =>
  Schema.optionalWith(schema, { exact: true }).pipe(Schema.fromKey(key))

/** The two fields that name a shipment, required, renamed to their snake_case keys on the wire. */
const shipmentTable = {
  trackingNumber: Wire.required(Schema.String, "tracking_number", Wire.string),
  carrierCode: Wire.required(Schema.String, "carrier_code", Wire.string)
}
const shipmentFields = Wire.signatures(shipmentTable)

// ---------------------------------------------------------------------------------------------------------------
// statuses

/**
 * The delivery statuses TrackingMore documents (core's `TrackingStatus`).
 *
 * @since 0.1.0
 * @category models
 */
export type Status = TrackingStatus.TrackingStatus

/**
 * Every documented status.
 *
 * @since 0.1.0
 * @category constants
 */
export const statuses: ReadonlyArray<Status> = TrackingStatus.all

/**
 * The statuses after which a run stops polling: `delivered`, `expired`, `undelivered`, `exception`.
 *
 * @since 0.1.0
 * @category constants
 */
export const finalStatuses: ReadonlyArray<Status> = TrackingStatus.final

/**
 * Whether a status is final for a polling run.
 *
 * @since 0.1.0
 * @category predicates
 */
export const isFinalStatus: (status: string | undefined) => boolean = TrackingStatus.isFinal

// ---------------------------------------------------------------------------------------------------------------
// tracking

const trackingEventTable = {
  date: Wire.optional(Schema.String, "Date", Wire.string),
  statusDescription: Wire.optional(Schema.String, "StatusDescription", Wire.string),
  details: Wire.optional(Schema.String, "Details", Wire.string),
  checkpointStatus: Wire.optional(Schema.String, "checkpoint_status", Wire.string)
}

/**
 * One checkpoint of a shipment (`trackinfo[]` on the wire).
 *
 * @since 0.1.0
 * @category schemas
 */
export class TrackingEvent extends Schema.Class<TrackingEvent>("@trackingmore-effect/client/TrackingEvent")(
  Wire.signatures(trackingEventTable)
) {}

const fastTrackingEvent = Wire.fastDecoder(trackingEventTable, (fields) => new TrackingEvent(fields, true))

const carrierInfoTable = {
  weblink: Wire.optional(Schema.String, "weblink", Wire.string),
  phone: Wire.optional(Schema.String, "phone", Wire.string),
  carrierCode: Wire.optional(Schema.String, "carrier_code", Wire.string),
  trackinfo: Wire.optional(Schema.Array(TrackingEvent), "trackinfo", Wire.array(fastTrackingEvent))
}

/**
 * The carrier side of a tracking (`origin_info` / `destination_info` on the wire).
 *
 * @since 0.1.0
 * @category schemas
 */
export class CarrierInfo extends Schema.Class<CarrierInfo>("@trackingmore-effect/client/CarrierInfo")(
  Wire.signatures(carrierInfoTable)
) {}

const fastCarrierInfo = Wire.fastDecoder(carrierInfoTable, (fields) => new CarrierInfo(fields, true))

const trackingTable = {
  id: Wire.optional(Schema.String, "id", Wire.string),
  ...shipmentTable,
  status: Wire.optional(Schema.String, "status", Wire.string),
  substatus: Wire.optional(Schema.String, "substatus", Wire.string),
  createdAt: Wire.optional(Schema.String, "created_at", Wire.string),
  updatedAt: Wire.optional(Schema.String, "updated_at", Wire.string),
  title: Wire.optional(Schema.String, "title", Wire.string),
  orderId: Wire.optional(Schema.String, "order_id", Wire.string),
  customerName: Wire.optional(Schema.String, "customer_name", Wire.string),
  customerEmail: Wire.optional(Schema.String, "customer_email", Wire.string),
  customerPhone: Wire.optional(Schema.String, "customer_phone", Wire.string),
  logisticsChannel: Wire.optional(Schema.String, "logistics_channel", Wire.string),
  comment: Wire.optional(Schema.String, "comment", Wire.string),
  archived: Wire.optional(LenientBoolean, "archived", Wire.boolean),
  originalCountry: Wire.optional(Schema.String, "original_country", Wire.string),
  destinationCountry: Wire.optional(Schema.String, "destination_country", Wire.string),
  lastEvent: Wire.optional(Schema.String, "lastEvent", Wire.string),
  lastUpdateTime: Wire.optional(Schema.String, "lastUpdateTime", Wire.string),
  originInfo: Wire.optional(CarrierInfo, "origin_info", Wire.object(fastCarrierInfo)),
  destinationInfo: Wire.optional(CarrierInfo, "destination_info", Wire.object(fastCarrierInfo))
}

/**
 * A tracking as TrackingMore returns it. `status` is a string so that an undocumented status decodes; compare it
 * with {@link Status} values or use {@link isFinalStatus}.
 *
 * @since 0.1.0
 * @category schemas
 */
export class Tracking extends Schema.Class<Tracking>("@trackingmore-effect/client/Tracking")(
  Wire.signatures(trackingTable)
) {}

const fastTracking = Wire.fastDecoder(trackingTable, (fields) => new Tracking(fields as ConstructorParameters<typeof Tracking>[0], true))
const schemaDecodeTracking = Schema.decodeUnknownEither(Tracking)

/**
 * Decodes a tracking in its wire form (an API answer's `data`, a webhook body), with the same result and errors
 * as `Schema.decodeUnknownEither(Tracking)`. Input that needs no conversion takes a fast path that skips the
 * Schema machinery: every call of the client decodes one.
 *
 * @since 0.1.0
 * @category decoding
 */
export const decodeTracking = (input: unknown): Either.Either<Tracking, ParseResult.ParseError> => {
  const fast = fastTracking(input)
  return fast === undefined ? schemaDecodeTracking(input) : Either.right(fast)
}

// ---------------------------------------------------------------------------------------------------------------
// requests

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

// ---------------------------------------------------------------------------------------------------------------
// responses

/**
 * One page of `GET /trackings/get`.
 *
 * @since 0.1.0
 * @category schemas
 */
export class TrackingPage extends Schema.Class<TrackingPage>("@trackingmore-effect/client/TrackingPage")({
  page: Wire.nullable(LenientNumber, "page"),
  limit: Wire.nullable(LenientNumber, "limit"),
  total: Wire.nullable(LenientNumber, "total"),
  items: Schema.optionalWith(Schema.Array(Tracking), { nullable: true, default: () => [] })
}) {}

/**
 * A per-item error inside a bulk answer (`data.errors[]`), e.g. code 4016 for a tracking that already exists.
 *
 * @since 0.1.0
 * @category schemas
 */
export class BatchItemError extends Schema.Class<BatchItemError>("@trackingmore-effect/client/BatchItemError")({
  trackingNumber: Wire.nullable(Schema.String, "tracking_number"),
  carrierCode: Wire.nullable(Schema.String, "carrier_code"),
  code: LenientNumber,
  message: Wire.nullable(Schema.String, "message")
}) {}

const items = <A, I>(schema: Schema.Schema<A, I>) =>
  Schema.optionalWith(Schema.Array(schema), { nullable: true, default: () => [] })

/**
 * The answer of `POST /trackings/batch`.
 *
 * @since 0.1.0
 * @category schemas
 */
export class BatchResult extends Schema.Class<BatchResult>("@trackingmore-effect/client/BatchResult")({
  submitted: Wire.nullable(LenientNumber, "submitted"),
  added: Wire.nullable(LenientNumber, "added"),
  trackings: items(Tracking),
  errors: items(BatchItemError)
}) {}

/**
 * The answer of `POST /trackings/updatemore` (merged over chunks of at most 40).
 *
 * @since 0.1.0
 * @category schemas
 */
export class UpdateManyResult extends Schema.Class<UpdateManyResult>("@trackingmore-effect/client/UpdateManyResult")({
  submitted: Wire.nullable(LenientNumber, "submitted"),
  updated: Wire.nullable(LenientNumber, "updated"),
  trackings: items(Tracking),
  errors: items(BatchItemError)
}) {}

/**
 * The answer of `POST /trackings/delete` (merged over chunks of at most 40).
 *
 * @since 0.1.0
 * @category schemas
 */
export class DeleteManyResult extends Schema.Class<DeleteManyResult>("@trackingmore-effect/client/DeleteManyResult")({
  submitted: Wire.nullable(LenientNumber, "submitted"),
  deleted: Wire.nullable(LenientNumber, "deleted"),
  trackings: items(TrackingRef),
  errors: items(BatchItemError)
}) {}

/**
 * The answer of `POST /trackings/realtime`.
 *
 * @since 0.1.0
 * @category schemas
 */
export class RealtimeResult extends Schema.Class<RealtimeResult>("@trackingmore-effect/client/RealtimeResult")({
  items: items(Tracking)
}) {}

/**
 * Account information (`GET /trackings/getuserinfo`).
 *
 * @since 0.1.0
 * @category schemas
 */
export class UserInfo extends Schema.Class<UserInfo>("@trackingmore-effect/client/UserInfo")({
  userId: Wire.nullable(Schema.Union(Schema.String, Schema.Number), "user_id"),
  email: Wire.nullable(Schema.String, "email"),
  phone: Wire.nullable(Schema.String, "phone"),
  regtime: Wire.nullable(Schema.String, "regtime"),
  balance: Wire.nullable(LenientNumber, "balance")
}) {}

/**
 * Tracking counts per status (`GET /trackings/getstatusnumber`): every status the server sends, by name.
 *
 * @since 0.1.0
 * @category schemas
 */
export const StatusCounts = Schema.Record({ key: Schema.String, value: LenientNumber })

/**
 * @since 0.1.0
 * @category models
 */
export type StatusCounts = Schema.Schema.Type<typeof StatusCounts>

/**
 * A carrier (`GET /carriers`, `POST /carriers/detect`).
 *
 * @since 0.1.0
 * @category schemas
 */
export class Carrier extends Schema.Class<Carrier>("@trackingmore-effect/client/Carrier")({
  code: Schema.String,
  name: Wire.nullable(Schema.String, "name"),
  countryCode: Wire.nullable(Schema.String, "country_code"),
  type: Wire.nullable(Schema.String, "type"),
  homepage: Wire.nullable(Schema.String, "homepage"),
  phone: Wire.nullable(Schema.String, "phone")
}) {}
