import type * as TrackingMoreError from "@trackingmore-effect/core/TrackingMoreError"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import type { Tracking, TrackingPage } from "../Tracking.js"
import { isFinalStatus } from "../Tracking.js"
import * as Endpoint from "@trackingmore-effect/core/Endpoint"
import * as Arr from "effect/Array"

export interface Shipment {
  readonly trackingNumber: string
  readonly carrierCode?: string | undefined
}

export interface PollOptions {
  readonly interval: Duration.Duration
  readonly deadline: Duration.Duration | undefined
}

const trackingKey = (tracking: Tracking): string => `${tracking.carrierCode.toLowerCase()}|${tracking.trackingNumber}`

/**
 * Polls the list endpoint (40 numbers per call) every `interval`, emitting each tracking the first time it is
 * seen and whenever its status changes, until every shipment is final or the deadline passes.
 */
export const pollUntilFinal = (
  list: (numbers: ReadonlyArray<string>) => Effect.Effect<TrackingPage, TrackingMoreError.TrackingMoreError>,
  shipments: ReadonlyArray<Shipment>,
  options: PollOptions
): Stream.Stream<Tracking, TrackingMoreError.TrackingMoreError> =>
  Stream.unwrap(Effect.gen(function*() {
    const start = yield* Clock.currentTimeMillis
    const deadline = options.deadline === undefined ? Infinity : start + Duration.toMillis(options.deadline)
    /** Last status emitted per tracking (carrier|number). */
    const emitted = new Map<string, string | undefined>()
    /** Shipments not final yet, by number; `undefined` carrier means any carrier. */
    const pending = new Map<string, Array<Shipment>>()
    for (const shipment of shipments) {
      const list = pending.get(shipment.trackingNumber)
      if (list === undefined) pending.set(shipment.trackingNumber, [shipment])
      else list.push(shipment)
    }

    const matches = (shipment: Shipment, tracking: Tracking) =>
      shipment.carrierCode === undefined || shipment.carrierCode.toLowerCase() === tracking.carrierCode.toLowerCase()

    const fetchChunk = (numbers: ReadonlyArray<string>) =>
      Effect.map(list(numbers), (page) => {
        const out: Array<Tracking> = []
        for (const tracking of page.items) {
          const waiting = pending.get(tracking.trackingNumber)
          if (waiting === undefined || !waiting.some((shipment) => matches(shipment, tracking))) continue
          const key = trackingKey(tracking)
          if (!emitted.has(key) || emitted.get(key) !== tracking.status) {
            emitted.set(key, tracking.status)
            out.push(tracking)
          }
        }
        // A shipment is final when every tracking of it seen in this answer is final (at least one seen).
        for (const number of numbers) {
          const waiting = pending.get(number)
          if (waiting === undefined) continue
          const left = waiting.filter((shipment) => {
            const seen = page.items.filter((t) => t.trackingNumber === number && matches(shipment, t))
            return seen.length === 0 || !seen.every((t) => isFinalStatus(t.status))
          })
          if (left.length === 0) pending.delete(number)
          else pending.set(number, left)
        }
        return out
      })

    const round: Stream.Stream<Tracking, TrackingMoreError.TrackingMoreError> = Stream.suspend(() =>
      Stream.fromIterable(Arr.chunksOf([...pending.keys()], Endpoint.maxBatchSize)).pipe(
        Stream.mapEffect(fetchChunk),
        Stream.flattenIterables
      )
    )

    const loop: Stream.Stream<Tracking, TrackingMoreError.TrackingMoreError> = Stream.concat(
      round,
      Stream.unwrap(Effect.gen(function*() {
        if (pending.size === 0) return Stream.empty
        const now = yield* Clock.currentTimeMillis
        if (now + Duration.toMillis(options.interval) > deadline) return Stream.empty
        yield* Effect.sleep(options.interval)
        return Stream.suspend(() => loop)
      }))
    )
    return loop
  }))
