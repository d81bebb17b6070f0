import type * as Endpoint from "@trackingmore-effect/core/Endpoint"
import * as Options from "@trackingmore-effect/core/Options"
import * as TrackingMoreError from "@trackingmore-effect/core/TrackingMoreError"
import * as Arr from "effect/Array"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Responses from "../Responses.js"
import type { BulkOptions } from "../TrackingMoreClient.js"
import * as validate from "./validate.js"

/**
 * The `deadline` of a bulk call's options: a duration (zero allowed), infinite when not given. A value that is
 * not a duration is refused before anything is sent, like other input the client checks: `InvalidRequest`
 * (4012) whose message names `deadline` and what was given.
 */
export const deadlineOf = (
  options: BulkOptions | undefined,
  endpoint: Endpoint.Endpoint
): Either.Either<Duration.Duration, TrackingMoreError.TrackingMoreError> =>
  options?.deadline === undefined
    ? Either.right(Duration.infinity)
    : Either.mapLeft(
      Options.duration("deadline", options.deadline, { allowInfinite: true }),
      (error) => validate.invalid(4012, error.message, endpoint)
    )

/**
 * What is left of a bulk call's overall deadline when one of its calls (to `endpoint`) is about to start: `Right`
 * with the rest (infinite when the bulk call has none), to be that call's own deadline, or `Left` with the error of
 * a call whose turn came after the deadline (nothing was sent for it).
 */
export type Remaining = (
  endpoint: Endpoint.Endpoint
) => Effect.Effect<Either.Either<Duration.Duration, TrackingMoreError.DeadlineExceeded>>

/** Starts a bulk call's clock: `deadline` from now. */
export const startDeadline = (deadline: Duration.Duration): Effect.Effect<Remaining> =>
  Effect.map(Clock.currentTimeMillis, (start): Remaining => {
    if (!Duration.isFinite(deadline)) return () => Effect.succeed(Either.right(Duration.infinity))
    const end = start + Duration.toMillis(deadline)
    return (endpoint) =>
      Effect.map(Clock.currentTimeMillis, (now) =>
        now < end
          ? Either.right(Duration.millis(end - now))
          // Its turn (a free slot of the two in flight) came after the deadline: it waited for the calls before
          // it, which waited for the rate limit.
          : Either.left(
            TrackingMoreError.deadlineExceeded("rate-limit", now, { method: endpoint.method, endpoint: endpoint.path })
          ))
  })

/**
 * The many-item endpoints other than create (`updateMany`, `deleteMany`): every item checked and encoded before
 * anything is sent, then chunks of at most `batchSize`, two in flight (the rate limiter spaces them anyway). Each
 * chunk call gets what is left of the overall `deadline` as its own. The first failure (a chunk whose turn came
 * after the deadline: `DeadlineExceeded`) is the call's: no chunk starts after it, and the one still on the wire
 * is let finish rather than cut off, so that no request is left half-known.
 */
export const sendInChunks = <T, R>(
  items: ReadonlyArray<T>,
  encode: (item: T, endpoint: Endpoint.Endpoint) => Either.Either<unknown, TrackingMoreError.TrackingMoreError>,
  endpoint: Endpoint.Endpoint,
  batchSize: number,
  deadline: Duration.Duration,
  send: (body: ReadonlyArray<unknown>, deadline: Duration.Duration) => Effect.Effect<R, TrackingMoreError.TrackingMoreError>
): Effect.Effect<ReadonlyArray<R>, TrackingMoreError.TrackingMoreError> =>
  Effect.flatMap(
    Effect.forEach(items, (item) => encode(item, endpoint)),
    (bodies) =>
      Effect.flatMap(startDeadline(deadline), (remaining) => {
        let failure: TrackingMoreError.TrackingMoreError | undefined
        const chunk = (body: ReadonlyArray<unknown>) =>
          Effect.suspend(() =>
            failure !== undefined ? Effect.succeed(undefined) : remaining(endpoint).pipe(
              Effect.flatMap((left) => Effect.flatMap(left, (rest) => send(body, rest))),
              Effect.tapError((error) => Effect.sync(() => (failure ??= error))),
              Effect.option,
              Effect.map(Option.getOrUndefined)
            )
          )
        return Effect.flatMap(
          Effect.forEach(Arr.chunksOf(bodies, batchSize), chunk, { concurrency: 2 }),
          (results) => failure !== undefined ? Effect.fail(failure) : Effect.succeed(results as ReadonlyArray<R>)
        )
      })
  )

const sum = (values: ReadonlyArray<number | null | undefined>): number =>
  values.reduce<number>((total, value) => total + (value ?? 0), 0)

/** The answers of the chunks of one call, added up: `count` is the endpoint's own counter (updated, deleted). */
const combine = <R extends Responses.UpdateManyResult | Responses.DeleteManyResult>(
  results: ReadonlyArray<R>,
  count: (result: R) => number | null | undefined
) => ({
  submitted: sum(results.map((r) => r.submitted)),
  count: sum(results.map(count)),
  trackings: results.flatMap((r): ReadonlyArray<R["trackings"][number]> => r.trackings),
  errors: results.flatMap((r) => r.errors)
})

/** The answers of the chunks of one `updateMany`, as one. */
export const mergeUpdates = (results: ReadonlyArray<Responses.UpdateManyResult>): Responses.UpdateManyResult => {
  const { count, ...merged } = combine(results, (r) => r.updated)
  return new Responses.UpdateManyResult({ ...merged, updated: count })
}

/** The answers of the chunks of one `deleteMany`, as one. */
export const mergeDeletes = (results: ReadonlyArray<Responses.DeleteManyResult>): Responses.DeleteManyResult => {
  const { count, ...merged } = combine(results, (r) => r.deleted)
  return new Responses.DeleteManyResult({ ...merged, deleted: count })
}
