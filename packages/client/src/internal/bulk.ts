import type * as Endpoint from "@trackingmore-effect/core/Endpoint"
import type * as TrackingMoreError from "@trackingmore-effect/core/TrackingMoreError"
import * as Arr from "effect/Array"
import * as Effect from "effect/Effect"
import type * as Either from "effect/Either"
import * as Tracking from "../Tracking.js"

/**
 * The many-item endpoints other than create (`updateMany`, `deleteMany`): every item checked and encoded before
 * anything is sent, then chunks of at most `batchSize`, two in flight (the rate limiter spaces them anyway).
 */
export const sendInChunks = <T, R>(
  items: ReadonlyArray<T>,
  encode: (item: T, endpoint: Endpoint.Endpoint) => Either.Either<unknown, TrackingMoreError.TrackingMoreError>,
  endpoint: Endpoint.Endpoint,
  batchSize: number,
  send: (body: ReadonlyArray<unknown>) => Effect.Effect<R, TrackingMoreError.TrackingMoreError>
): Effect.Effect<ReadonlyArray<R>, TrackingMoreError.TrackingMoreError> =>
  Effect.flatMap(
    Effect.forEach(items, (item) => encode(item, endpoint)),
    (bodies) => Effect.forEach(Arr.chunksOf(bodies, batchSize), send, { concurrency: 2 })
  )

const sum = (values: ReadonlyArray<number | null | undefined>): number =>
  values.reduce<number>((total, value) => total + (value ?? 0), 0)

/** The answers of the chunks of one call, added up: `count` is the endpoint's own counter (updated, deleted). */
const combine = <R extends Tracking.UpdateManyResult | Tracking.DeleteManyResult>(
  results: ReadonlyArray<R>,
  count: (result: R) => number | null | undefined
) => ({
  submitted: sum(results.map((r) => r.submitted)),
  count: sum(results.map(count)),
  trackings: results.flatMap((r): ReadonlyArray<R["trackings"][number]> => r.trackings),
  errors: results.flatMap((r) => r.errors)
})

/** The answers of the chunks of one `updateMany`, as one. */
export const mergeUpdates = (results: ReadonlyArray<Tracking.UpdateManyResult>): Tracking.UpdateManyResult => {
  const { count, ...merged } = combine(results, (r) => r.updated)
  return new Tracking.UpdateManyResult({ ...merged, updated: count })
}

/** The answers of the chunks of one `deleteMany`, as one. */
export const mergeDeletes = (results: ReadonlyArray<Tracking.DeleteManyResult>): Tracking.DeleteManyResult => {
  const { count, ...merged } = combine(results, (r) => r.deleted)
  return new Tracking.DeleteManyResult({ ...merged, deleted: count })
}
