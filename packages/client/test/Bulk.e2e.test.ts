import { afterAll, assert, beforeAll, beforeEach, describe, it } from "@effect/vitest"
import type { Simulator } from "@trackingmore-effect/simulator"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import * as CreateOutcome from "../src/CreateOutcome.js"
import * as Tracking from "../src/Tracking.js"
import { clientLayer, startSimulator, use } from "./utils/sim.js"

let sim: Simulator.SimulatorServer

beforeAll(async () => {
  sim = await startSimulator({ lifecycleStepSeconds: 5 })
})
afterAll(() => sim.close())
beforeEach(() => sim.reset())

const items = (n: number, prefix = "BULK") =>
  Array.from({ length: n }, (_, i) => ({ trackingNumber: `${prefix}${String(i).padStart(6, "0")}`, carrierCode: "dhl" }))

const batchCalls = () => sim.log().filter((e) => e.endpoint === "batch")

describe("createMany", () => {
  it.live("100 items make 3 batch calls and come back created, in input order", () =>
    use(clientLayer(sim), (client) =>
      Effect.gen(function*() {
        const input = items(100)
        const outcomes = yield* client.createMany(input)
        assert.strictEqual(outcomes.length, 100)
        assert.strictEqual(batchCalls().length, 3)
        assert.deepStrictEqual(CreateOutcome.summarize(outcomes), { created: 100, existed: 0, failed: 0, notSent: 0 })
        outcomes.forEach((outcome, i) => assert.strictEqual(outcome.input, input[i]))
        for (const outcome of outcomes) {
          assert.strictEqual(outcome._tag, "Created")
          if (outcome._tag === "Created") assert.strictEqual(outcome.tracking.trackingNumber, outcome.input.trackingNumber)
        }
      })))

  it.live("items that exist already come back as Existed, invalid ones as Failed without being sent", () =>
    use(clientLayer(sim), (client) =>
      Effect.gen(function*() {
        const input = items(10)
        yield* client.createMany(input.filter((_, i) => i % 2 === 0))
        sim.reset()
        yield* client.createMany(input.filter((_, i) => i % 2 === 0))
        const mixed = [...input, { trackingNumber: "", carrierCode: "dhl" }, { trackingNumber: "BAD1234567", carrierCode: "nope" }]
        const outcomes = yield* client.createMany(mixed)
        assert.deepStrictEqual(outcomes.map((o) => o._tag), [
          "Existed",
          "Created",
          "Existed",
          "Created",
          "Existed",
          "Created",
          "Existed",
          "Created",
          "Existed",
          "Created",
          "Failed",
          "Failed"
        ])
        const [empty, badCarrier] = outcomes.slice(10)
        assert.strictEqual(empty?._tag, "Failed")
        if (empty?._tag === "Failed") assert.strictEqual(empty.error._tag, "TrackingNumberRequired")
        assert.strictEqual(badCarrier?._tag, "Failed")
        if (badCarrier?._tag === "Failed") assert.strictEqual(badCarrier.error._tag, "InvalidCarrierCode")
        // the empty number was never sent: the last batch carried 11 items
        assert.strictEqual(batchCalls().at(-1)?.code, 200)
      })))

  it.live("a batch whose answer is lost is retried and never creates twice", () =>
    use(clientLayer(sim), (client) =>
      Effect.gen(function*() {
        sim.setFaults({ scripted: { batch: ["truncated", "reset"] } })
        const input = items(60, "LOST")
        const outcomes = yield* client.createMany(input)
        assert.strictEqual(outcomes.length, 60)
        const summary = CreateOutcome.summarize(outcomes)
        assert.strictEqual(summary.failed, 0)
        assert.strictEqual(summary.created + summary.existed, 60)
        const page = yield* client.list({ limit: 2000 })
        assert.strictEqual(page.total, 60)
        assert.strictEqual(new Set(page.items.map((t) => t.trackingNumber)).size, 60)
      })))

  it.live("a chunk answered 4020 or 202 is halved and resent", () =>
    use(clientLayer(sim), (client) =>
      Effect.gen(function*() {
        sim.setFaults({ scripted: { batch: ["4020", "202"] } })
        const outcomes = yield* client.createMany(items(40, "HALF"))
        assert.deepStrictEqual(CreateOutcome.summarize(outcomes), { created: 40, existed: 0, failed: 0, notSent: 0 })
        const sizes = batchCalls().map((e) => e.code)
        assert.deepStrictEqual(sizes, [4020, 202, 200, 200, 200])
      })))

  it.live("a halted key turns every item into a Failed outcome", () =>
    use(clientLayer(sim, "sim-key-no-balance"), (client) =>
      Effect.gen(function*() {
        const outcomes = yield* client.createMany(items(50, "POOR"))
        assert.strictEqual(outcomes.length, 50)
        for (const outcome of outcomes) {
          assert.strictEqual(outcome._tag, "Failed")
          if (outcome._tag === "Failed") assert.strictEqual(outcome.error._tag, "InsufficientBalance")
        }
        // the second chunk may already be in flight when the first answer halts the key
        assert.isAtMost(batchCalls().length, 2)
      })))
})

describe("other endpoints", () => {
  it.live("update, list, statusCounts, realtime, changeCarrier, detect, updateMany, deleteMany, delete", () =>
    use(clientLayer(sim), (client) =>
      Effect.gen(function*() {
        yield* client.create({ trackingNumber: "UPS00000001", carrierCode: "ups" })
        const updated = yield* client.update("ups", "UPS00000001", { title: "shoes", orderId: "o-1" })
        assert.strictEqual(updated.title, "shoes")
        assert.strictEqual(updated.orderId, "o-1")
        const page = yield* client.list({ orders: ["o-1"] })
        assert.deepStrictEqual(page.items.map((t) => t.trackingNumber), ["UPS00000001"])
        const counts = yield* client.statusCounts()
        assert.strictEqual(Object.values(counts).reduce((a, b) => a + b, 0), 1)
        const live = yield* client.realtime({ trackingNumber: "GLS00000001", carrierCode: "gls" })
        assert.strictEqual(live.trackingNumber, "GLS00000001")
        const moved = yield* client.changeCarrier("ups", "UPS00000001", "fedex")
        assert.strictEqual(moved.carrierCode, "fedex")
        const candidates = yield* client.detect("1Z9999W99999999999")
        assert.include(candidates.map((c) => c.code), "ups")
        const many = yield* client.updateMany([
          { trackingNumber: "UPS00000001", carrierCode: "fedex", title: "boots" },
          { trackingNumber: "UPS00000002", carrierCode: "fedex", title: "none" }
        ])
        assert.strictEqual(many.updated, 1)
        assert.deepStrictEqual(many.errors.map((e) => e.code), [4017])
        const deleted = yield* client.deleteMany([{ trackingNumber: "UPS00000001", carrierCode: "fedex" }])
        assert.strictEqual(deleted.deleted, 1)
        yield* client.create({ trackingNumber: "UPS00000003", carrierCode: "ups" })
        yield* client.delete("ups", "UPS00000003")
        const empty = yield* client.list()
        assert.strictEqual(empty.total, 0)
      })))
})

describe("pollUntilFinal", () => {
  it.live("emits every tracking at least once and on each status change, until all are final", () =>
    use(clientLayer(sim), (client) =>
      Effect.gen(function*() {
        const input = items(45, "POLL")
        yield* client.createMany(input)
        const emitted = Chunk.toReadonlyArray(
          yield* Stream.runCollect(
            client.pollUntilFinal(input.map((i) => ({ trackingNumber: i.trackingNumber })), {
              interval: "20 millis",
              deadline: "20 seconds"
            })
          )
        )
        const last = new Map<string, Tracking.Tracking>()
        for (const tracking of emitted) {
          const previous = last.get(tracking.trackingNumber)
          assert.notStrictEqual(previous?.status, tracking.status)
          last.set(tracking.trackingNumber, tracking)
        }
        assert.strictEqual(last.size, 45)
        for (const tracking of last.values()) assert.isTrue(Tracking.isFinalStatus(tracking.status))
        // 40 numbers per list call: two calls per round
        const lists = sim.log().filter((e) => e.endpoint === "list")
        assert.isAbove(lists.length, 1)
        assert.strictEqual(sim.log().filter((e) => e.endpoint === "get").length, 0)
      })))

  it.live("ends at the deadline", () =>
    use(clientLayer(sim), (client) =>
      Effect.gen(function*() {
        const emitted = yield* Stream.runCollect(
          client.pollUntilFinal([{ trackingNumber: "NEVER00001", carrierCode: "dhl" }], {
            interval: "20 millis",
            deadline: "100 millis"
          })
        )
        assert.strictEqual(Chunk.size(emitted), 0)
        assert.isAtMost(sim.log().filter((e) => e.endpoint === "list").length, 6)
      })))
})
