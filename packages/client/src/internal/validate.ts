import type * as Endpoint from "@trackingmore-effect/core/Endpoint"
import * as TrackingMoreError from "@trackingmore-effect/core/TrackingMoreError"
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import * as Requests from "../Requests.js"

/**
 * Input checked before anything is sent: a failure is the error of the code the server would answer (4012, 4013,
 * 4015), with "(checked before sending)" in its message.
 */
export const invalid = (
  code: number,
  detail: string,
  endpoint: Endpoint.Endpoint
): TrackingMoreError.TrackingMoreError =>
  TrackingMoreError.fromCode(code, {
    serverMessage: `${detail} (checked before sending)`,
    method: endpoint.method,
    endpoint: endpoint.path
  })

const isBlank = (value: unknown): boolean => typeof value !== "string" || value.trim().length === 0

/** A tracking number and carrier, both present. */
export const ref = (
  carrierCode: string,
  trackingNumber: string,
  endpoint: Endpoint.Endpoint
): Either.Either<void, TrackingMoreError.TrackingMoreError> =>
  isBlank(trackingNumber)
    ? Either.left(invalid(4013, "tracking_number is required", endpoint))
    : isBlank(carrierCode)
    ? Either.left(invalid(4015, "carrier_code is required", endpoint))
    : Either.void

/** A tracking number, present. */
export const trackingNumber = (
  value: string,
  endpoint: Endpoint.Endpoint
): Either.Either<void, TrackingMoreError.TrackingMoreError> =>
  isBlank(value) ? Either.left(invalid(4013, "tracking_number is required", endpoint)) : Either.void

/** Encodes a value with a request schema; a failure names what the schema refused. */
export const encoder = <A, I>(schema: Schema.Schema<A, I>) => {
  const encode = Schema.encodeEither(schema)
  return (value: A, endpoint: Endpoint.Endpoint): Either.Either<I, TrackingMoreError.TrackingMoreError> =>
    Either.mapLeft(
      encode(value),
      (error) => invalid(4012, ParseResult.TreeFormatter.formatErrorSync(error), endpoint)
    )
}

const encodeCreate = encoder(Requests.CreateTracking)

/** Checks and encodes one create body (`create`, `batch`, `realtime`). */
export const create = (
  input: Requests.CreateTracking,
  endpoint: Endpoint.Endpoint
): Either.Either<unknown, TrackingMoreError.TrackingMoreError> =>
  Either.flatMap(ref(input?.carrierCode, input?.trackingNumber, endpoint), () => encodeCreate(input, endpoint))

/** Checks a ref and encodes an item of a many-item endpoint. */
export const item = <T extends Requests.TrackingRef, I>(schema: Schema.Schema<T, I>) => {
  const encode = encoder(schema)
  return (value: T, endpoint: Endpoint.Endpoint): Either.Either<I, TrackingMoreError.TrackingMoreError> =>
    Either.flatMap(ref(value?.carrierCode, value?.trackingNumber, endpoint), () => encode(value, endpoint))
}
