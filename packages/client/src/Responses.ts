/**
 * What the TrackingMore v2 calls answer, besides a tracking: pages of trackings, batch results with their per-item
 * errors, realtime results, the account and the carriers. Decoding is lenient, as for `Tracking`.
 *
 * @since 0.2.0
 */
import * as Schema from "effect/Schema"
import * as Wire from "./internal/wire.js"
import { TrackingRef } from "./Requests.js"
import { LenientNumber, Tracking } from "./Tracking.js"

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
