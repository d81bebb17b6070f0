/**
 * `track status`: one tracking with its events.
 */
import * as TrackingMoreClient from "@trackingmore-effect/client/TrackingMoreClient"
import type * as Tracking from "@trackingmore-effect/client/Tracking"
import type * as TrackingMoreError from "@trackingmore-effect/core/TrackingMoreError"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { Simulator } from "@trackingmore-effect/simulator"

/** Options of {@link showStatus}. */
export interface StatusOptions {
  readonly trackingNumber: string
  readonly carrierCode: Option.Option<string>
  /** With the embedded simulator the shipment is created first and the simulated clock moved on a few hours. */
  readonly simulator: Option.Option<Simulator.SimulatorHandle>
}

/** The lines describing a tracking. */
export const trackingLines = (tracking: Tracking.Tracking): Array<string> => {
  const lines = [
    `${tracking.trackingNumber} (${tracking.carrierCode}): ${tracking.status ?? "unknown"}` +
    (tracking.substatus !== undefined ? ` / ${tracking.substatus}` : "")
  ]
  if (tracking.title !== undefined && tracking.title.length > 0) lines.push(`  title: ${tracking.title}`)
  if (tracking.lastEvent !== undefined) lines.push(`  last event: ${tracking.lastEvent}`)
  const events = [...(tracking.originInfo?.trackinfo ?? []), ...(tracking.destinationInfo?.trackinfo ?? [])]
  lines.push(`  events (${events.length}):`)
  for (const event of events) {
    lines.push(
      `    ${event.date ?? "?"}  ${event.statusDescription ?? ""}${event.details !== undefined ? ` — ${event.details}` : ""}`
    )
  }
  return lines
}

/** Finds the carrier (given, or detected) and gets the tracking. */
export const showStatus = (
  options: StatusOptions
): Effect.Effect<Array<string>, TrackingMoreError.TrackingMoreError, TrackingMoreClient.TrackingMoreClient> =>
  Effect.gen(function*() {
    const client = yield* TrackingMoreClient.TrackingMoreClient
    let carrierCode: string
    if (Option.isSome(options.carrierCode)) {
      carrierCode = options.carrierCode.value
    } else {
      const candidates = yield* client.detect(options.trackingNumber)
      const first = candidates[0]
      if (first === undefined) {
        return [`No carrier detected for ${options.trackingNumber}; pass --carrier.`]
      }
      carrierCode = first.code
      yield* Console.log(
        `Detected carrier: ${candidates.map((c) => c.code).join(", ")} (using ${carrierCode}; --carrier to choose)`
      )
    }
    if (Option.isSome(options.simulator)) {
      // A fresh simulator knows no shipment: create it and let three simulated hours pass so it has events.
      yield* client.create({ trackingNumber: options.trackingNumber, carrierCode })
      options.simulator.value.advance(3 * 3600 * 1000)
      yield* Console.log("(embedded simulator: created the shipment and moved the simulated clock 3 hours on)")
    }
    const tracking = yield* client.get(carrierCode, options.trackingNumber)
    return trackingLines(tracking)
  })
