import { afterAll, assert, beforeAll, beforeEach, describe, it } from "@effect/vitest"
import type { Simulator } from "@trackingmore-effect/simulator"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Fiber from "effect/Fiber"
import * as Redacted from "effect/Redacted"
import * as TrackingMoreClient from "../src/TrackingMoreClient.js"
import { clientLayer, startSimulator, use } from "./utils/sim.js"

let sim: Simulator.SimulatorServer

// Rate limits out of the way on both sides: these tests count requests, they do not time them.
const unlimited = { limit: 1e9, window: "1 second" } as const
const fast: Partial<TrackingMoreClient.ClientOptions> = {
  rateLimits: { default: unlimited, realtime: unlimited, list: unlimited },
  // 400 requests at once on a busy machine take longer than the scaled 30 seconds.
  attemptTimeout: "20 seconds"
}

beforeAll(async () => {
  sim = await startSimulator({ rateLimits: { default: 1e9, realtime: 1e9, list: 1e9, burst: 1e9 } })
})
afterAll(() => sim.close())
beforeEach(() => sim.reset())

const requestsTo = (endpoint: string) => sim.log().filter((entry) => entry.endpoint === endpoint)

const shipments = (n: number, prefix = "BATCH") =>
  Array.from({ length: n }, (_, i) => ({ trackingNumber: `${prefix}${String(i).padStart(6, "0")}`, carrierCode: "dhl" }))

const all = <A, E>(effects: ReadonlyArray<Effect.Effect<A, E>>) => Effect.all(effects, { concurrency: "unbounded" })

describe("batching of concurrent single calls", () => {
  it.live("400 concurrent creates go out in at most 10 batch calls, each caller with its own tracking", () =>
    // A long window: full windows go out at once anyway, and a busy machine may spread the 400 calls' starts.
    use(clientLayer(sim, "sim-key-1", { ...fast, batching: { window: "5 seconds" } }), (client) =>
      Effect.gen(function*() {
        const inputs = shipments(400)
        const trackings = yield* all(inputs.map((input) => client.create(input)))
        trackings.forEach((tracking, i) => assert.strictEqual(tracking.trackingNumber, inputs[i]!.trackingNumber))
        assert.strictEqual(new Set(trackings.map((t) => t.id)).size, 400)
        assert.isAtMost(requestsTo("batch").length, 10)
        assert.strictEqual(sim.counters().total, requestsTo("batch").length)
      })))

  it.live("with batching off, 400 concurrent creates are 400 requests", () =>
    use(clientLayer(sim, "sim-key-1", { ...fast, batching: false }), (client) =>
      Effect.gen(function*() {
        yield* all(shipments(400).map((input) => client.create(input)))
        assert.strictEqual(requestsTo("create").length, 400)
        assert.strictEqual(sim.counters().total, 400)
      })))

  it.live("concurrent gets go out as list calls of at most 40 numbers", () =>
    use(clientLayer(sim, "sim-key-1", fast), (client) =>
      Effect.gen(function*() {
        const inputs = shipments(100)
        yield* client.createMany(inputs)
        const before = sim.log().length
        const trackings = yield* all(inputs.map((input) => client.get(input.carrierCode, input.trackingNumber)))
        trackings.forEach((tracking, i) => assert.strictEqual(tracking.trackingNumber, inputs[i]!.trackingNumber))
        const sent = sim.log().slice(before)
        assert.isAtMost(sent.length, 3)
        assert.isTrue(sent.every((e) => e.endpoint === "list"))
      })))

  it.live("a call alone in its window makes the single request of today", () =>
    use(clientLayer(sim, "sim-key-1", fast), (client) =>
      Effect.gen(function*() {
        const created = yield* client.create({ trackingNumber: "ALONE00001", carrierCode: "dhl" })
        const got = yield* client.get("dhl", "ALONE00001")
        assert.strictEqual(got.id, created.id)
        assert.deepStrictEqual(sim.log().map((e) => [e.endpoint, e.code]), [["create", 201], ["get", 200]])
      })))

  it.live("identical calls in one window are sent once and all get the answer", () =>
    use(clientLayer(sim, "sim-key-1", fast), (client) =>
      Effect.gen(function*() {
        const input = { trackingNumber: "SAME000001", carrierCode: "dhl" }
        const trackings = yield* all(Array.from({ length: 10 }, () => client.create(input)))
        assert.strictEqual(new Set(trackings.map((t) => t.id)).size, 1)
        assert.strictEqual(sim.counters().total, 1)
        const gets = yield* all(Array.from({ length: 10 }, () => client.get("dhl", "SAME000001")))
        assert.deepStrictEqual([...new Set(gets.map((t) => t.id))], [trackings[0]!.id])
        assert.strictEqual(sim.counters().total, 2)
      })))

  it.live("an item's error in a batch answer is its caller's typed error; the others get their trackings", () =>
    use(clientLayer(sim, "sim-key-1", fast), (client) =>
      Effect.gen(function*() {
        const results = yield* all([
          client.create({ trackingNumber: "GOOD000001", carrierCode: "dhl" }),
          client.create({ trackingNumber: "ab", carrierCode: "dhl" }),
          client.create({ trackingNumber: "GOOD000002", carrierCode: "no-such-post" }),
          client.create({ trackingNumber: "GOOD000003", carrierCode: "ups" })
        ].map(Effect.either))
        assert.deepStrictEqual(
          results.map(Either.match({ onLeft: (error) => error._tag, onRight: (tracking) => tracking.trackingNumber })),
          ["GOOD000001", "InvalidTrackingNumber", "InvalidCarrierCode", "GOOD000003"]
        )
        assert.deepStrictEqual(sim.log().map((e) => e.endpoint), ["batch"])
      })))

  it.live("create stays idempotent: trackings that exist (4016 in the batch answer) come back as they are", () =>
    use(clientLayer(sim, "sim-key-1", fast), (client) =>
      Effect.gen(function*() {
        const inputs = shipments(20, "EXIST")
        const first = yield* client.createMany(inputs)
        const before = sim.log().length
        const again = yield* all(inputs.map((input) => client.create(input)))
        assert.deepStrictEqual(
          again.map((t) => t.id),
          first.map((outcome) => outcome._tag === "Created" ? outcome.tracking.id : "not created")
        )
        // One batch call answered 4016 for each item, then one list call for the existing trackings.
        assert.deepStrictEqual(sim.log().slice(before).map((e) => e.endpoint), ["batch", "list"])
      })))

  it.live("a get the list answer does not hold gets the single get's error: NotRegistered after the re-polls", () =>
    use(clientLayer(sim, "sim-key-1", fast), (client) =>
      Effect.gen(function*() {
        yield* client.create({ trackingNumber: "KNOWN00001", carrierCode: "dhl" })
        const [known, unknown] = yield* Effect.all([
          client.get("dhl", "KNOWN00001"),
          Effect.flip(client.get("dhl", "UNKNOWN001"))
        ], { concurrency: "unbounded" })
        assert.strictEqual(known.trackingNumber, "KNOWN00001")
        assert.strictEqual(unknown._tag, "NotRegistered")
        // One list call, then the single get and its five re-polls for the missing one.
        assert.strictEqual(requestsTo("list").length, 1)
        assert.strictEqual(requestsTo("get").length, 6)
      })))

  it.live("a get with register: true that the list lacks creates the tracking, as the single get does", () =>
    use(clientLayer(sim, "sim-key-1", fast), (client) =>
      Effect.gen(function*() {
        yield* client.create({ trackingNumber: "KNOWN00002", carrierCode: "dhl" })
        const [, registered] = yield* Effect.all([
          client.get("dhl", "KNOWN00002"),
          client.get("ups", "1Z9999W99999999999", { register: true })
        ], { concurrency: "unbounded" })
        assert.strictEqual(registered.trackingNumber, "1Z9999W99999999999")
        assert.deepStrictEqual(requestsTo("create").map((e) => e.code), [201, 201])
      })))

  it.live("get with lang is not batched", () =>
    use(clientLayer(sim, "sim-key-1", fast), (client) =>
      Effect.gen(function*() {
        yield* client.createMany(shipments(2, "LANG"))
        const before = sim.counters().total
        yield* all(shipments(2, "LANG").map((s) => client.get(s.carrierCode, s.trackingNumber, { lang: "en" })))
        assert.deepStrictEqual(sim.log().slice(before).map((e) => e.endpoint), ["get", "get"])
      })))

  it.live("a whole-call failure fails every caller of that call with it", () =>
    use(
      clientLayer(sim, "sim-key-1", { ...fast, policy: { serviceUnavailable: { base: "1 millis", maxRetries: 1 } } }),
      (client) =>
        Effect.gen(function*() {
          sim.setFaults({ scripted: { batch: ["503", "503"] } })
          const errors = yield* all(shipments(5, "WHOLE").map((input) => Effect.flip(client.create(input))))
          assert.deepStrictEqual(errors.map((error) => error._tag), Array(5).fill("ServiceUnavailable"))
          assert.deepStrictEqual(sim.log().map((e) => [e.endpoint, e.code]), [["batch", 503], ["batch", 503]])
        })
    ))

  it.live("a call whose caller left before its turn is not sent", () =>
    use(clientLayer(sim, "sim-key-1", { ...fast, rateLimits: { ...fast.rateLimits, default: { limit: 1, window: "500 millis" } } }), (client) =>
      Effect.gen(function*() {
        // The first call holds the turn (its request is answered slowly); the second waits behind it, and would
        // be sent half a second after the first.
        sim.setFaults({ scripted: { create: ["slow"] }, slowMs: 300 })
        const first = yield* Effect.fork(client.create({ trackingNumber: "FIRST00001", carrierCode: "dhl" }))
        yield* Effect.sleep("100 millis")
        const second = yield* Effect.fork(client.create({ trackingNumber: "LEFT000001", carrierCode: "dhl" }))
        yield* Effect.sleep("100 millis")
        yield* Fiber.interrupt(second)
        assert.strictEqual((yield* Fiber.join(first)).trackingNumber, "FIRST00001")
        yield* Effect.sleep("600 millis")
        assert.deepStrictEqual(sim.log().map((e) => e.endpoint), ["create"])
      })))

  it.live("a lone call interrupted while it waits for its rate-limit turn sends nothing", () =>
    use(clientLayer(sim, "sim-key-1", { ...fast, rateLimits: { ...fast.rateLimits, default: { limit: 1, window: "1 second" } } }), (client) =>
      Effect.gen(function*() {
        yield* client.create({ trackingNumber: "TOKEN00001", carrierCode: "dhl" })
        // The next turn is a second away: the call is waiting for it when it is interrupted, and past that
        // second nothing was sent for it.
        const waiting = yield* Effect.fork(client.create({ trackingNumber: "LEFT000002", carrierCode: "dhl" }))
        yield* Effect.sleep("200 millis")
        yield* Fiber.interrupt(waiting)
        yield* Effect.sleep("1500 millis")
        assert.deepStrictEqual(sim.log().map((e) => e.endpoint), ["create"])
      })))

  it.live("input a single call refuses is refused before any window, as before", () =>
    use(clientLayer(sim, "sim-key-1", fast), (client) =>
      Effect.gen(function*() {
        const [empty, noCarrier] = yield* Effect.all([
          Effect.flip(client.create({ trackingNumber: " ", carrierCode: "dhl" })),
          Effect.flip(client.get("", "BATCH000001"))
        ], { concurrency: "unbounded" })
        assert.strictEqual(empty._tag, "TrackingNumberRequired")
        assert.strictEqual(noCarrier._tag, "InvalidCarrierCode")
        assert.strictEqual(sim.counters().total, 0)
      })))
})

describe("the batching option", () => {
  const check = (batching: unknown) =>
    TrackingMoreClient.validateOptions({ apiKey: Redacted.make("k"), batching } as TrackingMoreClient.ClientOptions)

  it("false, true, absent and partial objects are accepted", () => {
    for (const batching of [false, true, undefined, {}, { window: "5 millis" }, { window: 0, maxBatchSize: 1 }]) {
      assert.isTrue(Either.isRight(check(batching)), JSON.stringify(batching))
    }
  })

  it("values that cannot work are refused with InvalidOption naming the option", () => {
    const cases: ReadonlyArray<readonly [unknown, string]> = [
      ["yes", "batching"],
      [null, "batching"],
      [[], "batching"],
      [{ window: "soon" }, "batching.window"],
      [{ window: -1 }, "batching.window"],
      [{ window: Infinity }, "batching.window"],
      [{ maxBatchSize: 0 }, "batching.maxBatchSize"],
      [{ maxBatchSize: 41 }, "batching.maxBatchSize"],
      [{ maxBatchSize: 2.5 }, "batching.maxBatchSize"],
      [{ windw: "5 millis" }, "batching.windw"]
    ]
    for (const [batching, option] of cases) {
      const checked = check(batching)
      assert.isTrue(Either.isLeft(checked), JSON.stringify(batching))
      if (Either.isLeft(checked)) {
        assert.strictEqual(checked.left._tag, "InvalidOption")
        assert.strictEqual(checked.left.option, option)
      }
    }
  })
})
