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

const sheetOf = (csv: string): Csv.Sheet => Either.getOrThrow(Csv.readShipments(csv))
const sample = readFileSync(new URL("../data/shipments.csv", import.meta.url), "utf8")
const scale = Backend.embeddedTimeScale
const ms = (simulatedSeconds: number) => `${simulatedSeconds * scale * 1000} millis` as const

/** Runs the import against a fresh simulator; returns the summary and what the simulator holds afterwards. */
const importAgainst = (csv: string, simOptions: Simulator.Options = {}) =>
  Effect.gen(function*() {
    const sim = yield* Simulator.start(Backend.embeddedSimulatorOptions(simOptions))
    const client = TrackingMoreClient.layer(Backend.scaledClientOptions(sim.baseUrl)).pipe(
      Layer.provide(FetchHttpClient.layer)
    )
    const summary = yield* Import.runImport({ sheet: sheetOf(csv), pollInterval: ms(60), pollDeadline: ms(4 * 3600) }).pipe(
      Effect.provide(client)
    )
    // What the account holds now, read past the faults.
    const stored = yield* Effect.gen(function*() {
      sim.setFaults({})
      const c = yield* TrackingMoreClient.TrackingMoreClient
      return yield* c.list({ limit: 2000 })
    }).pipe(Effect.provide(client))
    return { summary, stored, sim }
  })

const expectAccountedOnce = (summary: Import.Summary, csv: string) => {
  const sheet = sheetOf(csv)
  expect(summary.total).toBe(sheet.shipments.length + sheet.rejected.length)
  expect(summary.results.length).toBe(summary.total)
  // every row once, in file order
  const lines = summary.results.map((r) => r.line)
  expect(new Set(lines).size).toBe(lines.length)
  expect([...lines].sort((a, b) => a - b)).toEqual(lines)
  // every shipment once
  const keys = summary.results.flatMap((r) =>
    r.trackingNumber !== undefined && r.carrierCode !== undefined ? [Csv.shipmentKey(r.carrierCode, r.trackingNumber)] : []
  )
  expect(new Set(keys).size).toBe(keys.length)
  expect(keys.length).toBe(sheet.shipments.length)
  // each ends final or failed, never both or neither
  for (const r of summary.results) {
    const final = r.failure === undefined && ["delivered", "expired", "undelivered", "exception"].includes(r.status ?? "")
    expect(final !== (r.failure !== undefined)).toBe(true)
  }
  expect(summary.final + summary.failed).toBe(summary.total)
  expect(summary.created + summary.existed).toBe(summary.results.filter((r) => r.creation !== undefined).length)
  const byStatus = Object.values(summary.byStatus).reduce((a, b) => a + b, 0)
  const byTag = Object.values(summary.byErrorTag).reduce((a, b) => a + b, 0)
  expect(byStatus).toBe(summary.final)
  expect(byTag).toBe(summary.failed)
}

describe("runImport", () => {
  it.live("imports the 200 sample shipments: each created once, each final, none failed", () =>
    Effect.scoped(Effect.gen(function*() {
      const { stored, summary } = yield* importAgainst(sample)
      expectAccountedOnce(summary, sample)
      expect(summary.total).toBe(200)
      expect(summary.created + summary.existed).toBe(200)
      expect(summary.final).toBe(200)
      expect(summary.failed).toBe(0)
      // never created twice: the account holds each of the 200 exactly once
      expect(stored.items.length).toBe(200)
      const storedKeys = stored.items.map((t) => Csv.shipmentKey(t.carrierCode, t.trackingNumber))
      expect(new Set(storedKeys).size).toBe(200)
    })), 60_000)

  it.live("heavier faults (15%, truncated answers included) still account for every shipment exactly once", () =>
    Effect.scoped(Effect.gen(function*() {
      const { stored, summary } = yield* importAgainst(sample, {
        seed: 42,
        faults: { random: { rate: 0.15, kinds: ["503", "reset", "html502", "truncated", "500", "empty"] } }
      })
      expectAccountedOnce(summary, sample)
      expect(summary.total).toBe(200)
      expect(stored.items.length).toBe(summary.created + summary.existed)
      expect(new Set(stored.items.map((t) => Csv.shipmentKey(t.carrierCode, t.trackingNumber))).size).toBe(
        stored.items.length
      )
    })), 60_000)

  it.live("bad rows and rejected shipments are typed failures in the summary, not a crash", () =>
    Effect.scoped(Effect.gen(function*() {
      const csv = [
        "tracking_number,carrier_code,title",
        "RR000000001CN,china-post,ok",
        ",ups,no number",
        "RR000000001CN,china-post,duplicate",
        "bad number!,china-post,invalid number",
        "RR000000009CN,no-such-carrier,unknown carrier",
        "RR000000002CN,china-post,\"never closed"
      ].join("\n")
      const { summary } = yield* importAgainst(csv, { faults: {} })
      expectAccountedOnce(summary, csv)
      expect(summary.final).toBe(1)
      expect(summary.byErrorTag).toEqual({
        InvalidRow: 2,
        DuplicateRow: 1,
        InvalidTrackingNumber: 1,
        InvalidCarrierCode: 1
      })
    })), 60_000)

  it.live("shipments still moving at the deadline fail with NotFinal", () =>
    Effect.scoped(Effect.gen(function*() {
      const sim = yield* Simulator.start(Backend.embeddedSimulatorOptions({ faults: {}, lifecycleStepSeconds: 1e6 }))
      const client = TrackingMoreClient.layer(Backend.scaledClientOptions(sim.baseUrl)).pipe(
        Layer.provide(FetchHttpClient.layer)
      )
      const csv = "tracking_number,carrier_code\nRR000000001CN,china-post\n"
      const summary = yield* Import.runImport({ sheet: sheetOf(csv), pollInterval: ms(60), pollDeadline: ms(600) }).pipe(
        Effect.provide(client)
      )
      expect(summary.byErrorTag).toEqual({ NotFinal: 1 })
      expect(summary.results[0]?.creation).toBe("Created")
    })), 60_000)

  it.live("a header-only file sends nothing, and its report says there was nothing to import", () =>
    Effect.scoped(Effect.gen(function*() {
      const { sim, summary } = yield* importAgainst("tracking_number,carrier_code,title\n", { faults: {} })
      expect(summary).toMatchObject({ total: 0, created: 0, final: 0, failed: 0, results: [] })
      // only the test's own list call reached the simulator
      expect(sim.counters().total).toBe(1)
      expect(Report.summaryLines(summary, "header.csv", sim.counters())).toEqual([
        "Nothing to import: header.csv has a header row but no shipment rows."
      ])
    })), 60_000)
})
