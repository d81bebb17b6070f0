import { afterAll, assert, beforeAll, beforeEach, describe, it } from "@effect/vitest"
import type { Simulator } from "@trackingmore-effect/simulator"
import * as Effect from "effect/Effect"
import { clientLayer, simMs, startSimulator, use } from "./utils/sim.js"

let sim: Simulator.SimulatorServer

beforeAll(async () => {
  sim = await startSimulator()
})
afterAll(() => sim.close())
beforeEach(() => sim.reset())

const requestsTo = (endpoint: string) => sim.log().filter((entry) => entry.endpoint === endpoint)

describe("the path of one call against the simulator", () => {
  it.live("create, then create again: 4016 turns into the existing tracking", () =>
    use(clientLayer(sim), (client) =>
      Effect.gen(function*() {
        const first = yield* client.create({ trackingNumber: "DHL1234567", carrierCode: "dhl", title: "a" })
        assert.strictEqual(first.trackingNumber, "DHL1234567")
        assert.strictEqual(first.carrierCode, "dhl")
        assert.strictEqual(first.title, "a")
        const second = yield* client.create({ trackingNumber: "DHL1234567", carrierCode: "dhl" })
        assert.strictEqual(second.id, first.id)
        assert.deepStrictEqual(sim.log().map((e) => [e.endpoint, e.code]), [
          ["create", 201],
          ["create", 4016],
          ["get", 200]
        ])
      })))

  it.live("cooldown: a 429 waits the (scaled) two minutes, then succeeds", () =>
    use(clientLayer(sim), (client) =>
      Effect.gen(function*() {
        sim.setFaults({ scripted: { carriers: ["429"] } })
        const carriers = yield* client.carriers
        assert.isAbove(carriers.length, 0)
        const log = requestsTo("carriers")
        assert.deepStrictEqual(log.map((e) => e.code), [429, 200])
        assert.isAtLeast(log[1]!.at - log[0]!.at, simMs(120) - 5)
      })))

  it.live("backoff: 503s are retried with jitter and the call succeeds", () =>
    use(clientLayer(sim), (client) =>
      Effect.gen(function*() {
        sim.setFaults({ scripted: { userInfo: ["503", "503", "503"] } })
        const info = yield* client.userInfo
        assert.strictEqual(info.email, "simulator@example.com")
        assert.deepStrictEqual(requestsTo("userInfo").map((e) => e.code), [503, 503, 503, 200])
      })))

  it.live("re-poll: get with register creates the tracking after 4031, then gets it", () =>
    use(clientLayer(sim), (client) =>
      Effect.gen(function*() {
        const tracking = yield* client.get("ups", "1Z9999W99999999999", { register: true })
        assert.strictEqual(tracking.trackingNumber, "1Z9999W99999999999")
        assert.deepStrictEqual(sim.log().map((e) => [e.endpoint, e.code]), [
          ["get", 4031],
          ["create", 201],
          ["get", 200]
        ])
      })))

  it.live("re-poll without register gives up with NotRegistered after the configured re-polls", () =>
    use(clientLayer(sim), (client) =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(client.get("ups", "1Z0000W00000000000"))
        assert.strictEqual(error._tag, "NotRegistered")
        assert.strictEqual(requestsTo("get").length, 6)
      })))

  it.live("halt: 4001 halts the key, the next call fails without a request", () =>
    use(clientLayer(sim, "not-a-known-key"), (client) =>
      Effect.gen(function*() {
        const first = yield* Effect.flip(client.carriers)
        assert.strictEqual(first._tag, "InvalidApiKey")
        assert.strictEqual(sim.counters().total, 1)
        const second = yield* Effect.flip(client.get("dhl", "DHL1234567"))
        assert.strictEqual(second._tag, "InvalidApiKey")
        assert.strictEqual(sim.counters().total, 1)
      })))

  it.live("fail: 4014 fails at once after exactly one request", () =>
    use(clientLayer(sim), (client) =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(client.get("dhl", "ab"))
        assert.strictEqual(error._tag, "InvalidTrackingNumber")
        assert.strictEqual(sim.counters().total, 1)
      })))

  it.live("invalid input fails with a typed error and sends nothing", () =>
    use(clientLayer(sim), (client) =>
      Effect.gen(function*() {
        const empty = yield* Effect.flip(client.create({ trackingNumber: " ", carrierCode: "dhl" }))
        assert.strictEqual(empty._tag, "TrackingNumberRequired")
        const noCarrier = yield* Effect.flip(client.get("", "DHL1234567"))
        assert.strictEqual(noCarrier._tag, "InvalidCarrierCode")
        const tooMany = yield* Effect.flip(
          client.list({ numbers: Array.from({ length: 41 }, (_, i) => `NUM${i}00000`) })
        )
        assert.strictEqual(tooMany._tag, "InvalidRequest")
        assert.strictEqual(sim.counters().total, 0)
      })))

  it.live("a 429 storm on five concurrent calls: one cooldown, no request inside it", () =>
    // The client paces requests 50 ms apart so that no request is still in flight when the 429 comes back
    // (with a colder event loop, 10 ms pacing lets requests overlap the first answer).
    use(clientLayer(sim, "sim-key-1", { rateLimits: { default: { limit: 1, window: "50 millis" } } }), (client) =>
      Effect.gen(function*() {
        // warm the connection pool
        yield* Effect.forEach(Array.from({ length: 5 }), () => client.carriers, { concurrency: "unbounded" })
        sim.reset()
        sim.setFaults({ scripted: { userInfo: ["429-penalty"] } })
        yield* Effect.forEach(Array.from({ length: 5 }), () => client.userInfo, { concurrency: "unbounded" })
        const log = sim.log()
        const throttled = log.filter((e) => e.code === 429)
        assert.strictEqual(throttled.length, 1)
        const at = throttled[0]!.at
        const inside = log.filter((e) => e.at > at && e.at < at + simMs(120) - 5)
        assert.deepStrictEqual(inside, [])
        assert.strictEqual(log.filter((e) => e.code === 200).length, 5)
      })))

  it.live("resets, HTML 502 pages, empty and truncated bodies are retried and succeed", () =>
    use(clientLayer(sim, "sim-key-1", { policy: { serverError: { base: "5 millis", maxRetries: 4 } } }), (client) =>
      Effect.gen(function*() {
        sim.setFaults({ scripted: { carriers: ["reset", "html502", "truncated", "empty"] } })
        const carriers = yield* client.carriers
        assert.isAbove(carriers.length, 0)
        assert.deepStrictEqual(requestsTo("carriers").map((e) => e.fault ?? String(e.code)), [
          "reset",
          "html502",
          "truncated",
          "empty",
          "200"
        ])
      })))

  it.live("a truncated answer to create is retried without creating twice", () =>
    use(clientLayer(sim), (client) =>
      Effect.gen(function*() {
        sim.setFaults({ scripted: { create: ["truncated"] } })
        const tracking = yield* client.create({ trackingNumber: "FDX12345678", carrierCode: "fedex" })
        assert.strictEqual(tracking.trackingNumber, "FDX12345678")
        assert.deepStrictEqual(sim.log().map((e) => [e.endpoint, e.code]), [
          ["create", 201],
          ["create", 4016],
          ["get", 200]
        ])
      })))

  it.live("an attempt that never gets an answer times out and is retried", () =>
    use(clientLayer(sim, "sim-key-1", { attemptTimeout: "100 millis" }), (client) =>
      Effect.gen(function*() {
        sim.setFaults({ scripted: { carriers: ["timeout"] } })
        const carriers = yield* client.carriers
        assert.isAbove(carriers.length, 0)
        assert.deepStrictEqual(requestsTo("carriers").map((e) => e.status), [0, 200])
      })))

  it.live("a non-idempotent call is not retried after a reset", () =>
    use(clientLayer(sim), (client) =>
      Effect.gen(function*() {
        yield* client.create({ trackingNumber: "DHL7654321", carrierCode: "dhl" })
        sim.setFaults({ scripted: { delete: ["reset"] } })
        const error = yield* Effect.flip(client.delete("dhl", "DHL7654321"))
        assert.strictEqual(error._tag, "TransportError")
        if (error._tag === "TransportError") assert.strictEqual(error.kind, "reset")
        assert.strictEqual(requestsTo("delete").length, 1)
      })))

  it.live("mirror mode: four-digit codes over HTTP 400 still decode to their tags", () =>
    use(clientLayer(sim), (client) =>
      Effect.gen(function*() {
        sim.setMode("mirror")
        const error = yield* Effect.flip(client.update("dhl", "DHL0000001", { title: "x" }))
        assert.strictEqual(error._tag, "TrackingNotFound")
      })))
})
