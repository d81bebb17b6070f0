import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import { describe, expect, it } from "@effect/vitest"
import * as TrackingMoreClient from "@trackingmore-effect/client/TrackingMoreClient"
import { Simulator } from "@trackingmore-effect/simulator"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import { readFileSync } from "node:fs"
import * as Backend from "../src/Backend.js"
import * as Csv from "../src/Csv.js"
import * as Import from "../src/Import.js"
import * as Report from "../src/Report.js"

const sample = Either.getOrThrow(Csv.readShipments(readFileSync(new URL("../data/shipments.csv", import.meta.url), "utf8")))

// A slower simulated clock than the app's (a simulated second is 100 ms): at 1 request/s the 5 batch calls of the
// 200 sample shipments take about 400 ms, so a deadline of 250 ms falls inside the queue on a busy machine too.
const scale = 0.1
const ms = (simulatedSeconds: number) => `${simulatedSeconds * scale * 1000} millis` as const

describe("runImport: the deadline comes while shipments still wait to be created", () => {
  it.live("those not sent fail with NotSent, and the summary says they can be retried", () =>
    Effect.scoped(Effect.gen(function*() {
      const sim = yield* Simulator.start(Backend.embeddedSimulatorOptions({ timeScale: scale, faults: {} }))
      const client = TrackingMoreClient.layer(Backend.scaledClientOptions(sim.baseUrl, scale)).pipe(
        Layer.provide(FetchHttpClient.layer)
      )
      const summary = yield* Import.runImport({ sheet: sample, pollInterval: ms(60), pollDeadline: ms(2.5) }).pipe(
        Effect.provide(client)
      )
      const batches = sim.log().filter((entry) => entry.endpoint === "batch").length
      expect(batches).toBeGreaterThanOrEqual(1)
      expect(batches).toBeLessThan(5)
      expect(summary.created).toBe(40 * batches)
      expect(summary.notSent).toBe(200 - 40 * batches)
      // Every shipment once: the created ones are still moving at the deadline, the others were never sent.
      expect(summary.byErrorTag).toEqual({ NotFinal: summary.created, NotSent: summary.notSent })
      expect(summary.failed).toBe(200)
      const notSent = summary.results.filter((r) => r.failure?.tag === "NotSent")
      expect(notSent.every((r) => r.creation === undefined)).toBe(true)
      expect(notSent[0]?.failure?.message).toBe("not sent before the deadline; can be retried")

      const [line] = Report.summaryLines(summary, "data/shipments.csv")
      expect(line).toMatch(
        new RegExp(
          `^Imported 200 shipment\\(s\\) from data/shipments\\.csv in \\d+\\.\\d s: ${summary.created} created, ` +
            `0 already there, 0 final, 200 failed \\(${summary.notSent} not sent, can be retried\\)\\.$`
        )
      )
    })), 60_000)
})
