/**
 * The request fields the tracking model and the request schemas share.
 */
import * as Schema from "effect/Schema"
import * as Wire from "./wire.js"

/** An optional request field, renamed to its snake_case key on the wire (kept as a literal type, as in `Wire`). */
export const field = <A, I, K extends string>(schema: Schema.Schema<A, I>, key: K) =>
  Schema.optionalWith(schema, { exact: true }).pipe(Schema.fromKey(key))

/** The two fields that name a shipment, required, renamed to their snake_case keys on the wire. */
export const shipmentTable = {
  trackingNumber: Wire.required(Schema.String, "tracking_number", Wire.string),
  carrierCode: Wire.required(Schema.String, "carrier_code", Wire.string)
}
export const shipmentFields = Wire.signatures(shipmentTable)
