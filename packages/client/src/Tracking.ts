/**
 * A tracking as the TrackingMore v2 API describes it: its statuses, its events, its carriers' information, and the
 * lenient building blocks every response schema uses. TypeScript sees camelCase (`trackingNumber`,
 * `carrierCode`); the wire carries TrackingMore's snake_case. Decoding is lenient: unknown fields are dropped
 * without error, optional fields may be missing or `null`, numbers may come as strings. What a call sends is in
 * `Requests`, what the other calls answer in `Responses`.
 *
 * @since 0.1.0
 */
import * as TrackingStatus from "@trackingmore-effect/core/TrackingStatus"
import * as Either from "effect/Either"
import type * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { shipmentTable } from "./internal/fields.js"
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
