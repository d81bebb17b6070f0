import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Simulator from "../src/Simulator.js"
import { call, generous } from "./utils.js"

const control = (sim: Simulator.SimulatorHandle, method: string, path: string, body?: unknown) =>
  Effect.promise(async () => {
    const res = await fetch(`${sim.origin}/_control/${path}`, {
      method,
      ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { "content-type": "application/json" } })
    })
    return { status: res.status, json: (await res.json()) as Record<string, unknown> }
  })

describe("control surface", () => {
  it.scoped("is off by default", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator.start()
      const res = yield* control(sim, "GET", "log")
      expect(res.status).toBe(200) // always-200 mode
      expect((res.json.meta as { code: number }).code).toBe(404)
      const mirror = yield* Simulator.start({ mode: "mirror" })
      expect((yield* control(mirror, "POST", "reset", {})).status).toBe(404)
    }))

  it.scoped("log, counters, scenario, advance and reset over HTTP", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator.start({ control: true, rateLimits: generous })
      yield* call(sim, "GET", "/carriers")
      yield* call(sim, "GET", "/carriers", { key: "nobody" })
      const log = yield* control(sim, "GET", "log")
      expect(log.json.entries).toEqual([
        expect.objectContaining({ endpoint: "carriers", key: "sim-key-1", code: 200, method: "GET", path: "/v2/carriers" }),
        expect.objectContaining({ endpoint: "carriers", key: "nobody", code: 4001 })
      ])
      const counters = yield* control(sim, "GET", "counters")
      expect(counters.json).toEqual({ total: 2, byEndpoint: { carriers: { "200": 1, "4001": 1 } }, byCode: { "200": 1, "4001": 1 } })
      yield* control(sim, "POST", "scenario", {
        faults: { scripted: { carriers: ["503"] } },
        keys: [{ key: "sim-key-1", quotaExhausted: true }, { key: "new-key" }]
      })
      expect((yield* call(sim, "GET", "/carriers")).code).toBe(503)
      expect((yield* call(sim, "GET", "/carriers")).code).toBe(4021)
      expect((yield* call(sim, "GET", "/carriers", { key: "new-key" })).code).toBe(200)
      const before = sim.now()
      yield* control(sim, "POST", "advance", { seconds: 3600 })
      expect(sim.now() - before).toBeGreaterThanOrEqual(3_600_000)
      yield* control(sim, "POST", "reset", {})
      expect(sim.log()).toEqual([])
      expect((yield* call(sim, "GET", "/carriers")).code).toBe(200)
      expect((yield* call(sim, "GET", "/carriers", { key: "new-key" })).code).toBe(4001)
      expect(sim.counters().total).toBe(2)
    }))

  it.scoped("the same in-process through the handle", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator.start({ rateLimits: generous })
      sim.setKey({ key: "sim-key-1", deleted: true })
      expect((yield* call(sim, "GET", "/carriers")).code).toBe(4002)
      sim.scenario({ keys: [{ key: "sim-key-1", deleted: false }], mode: "mirror" })
      const res = yield* call(sim, "GET", "/trackings/ups/1Z0000000000000000")
      expect([res.status, res.code]).toEqual([400, 4031])
      expect(sim.counters().byEndpoint).toEqual({ carriers: { "4002": 1 }, get: { "4031": 1 } })
      const entry = sim.log()[1]!
      expect(entry.at).toBeGreaterThan(1_600_000_000_000)
      expect(typeof entry.simulatedAt).toBe("number")
    }))

  it("startServer works without Effect", async () => {
    const sim = await Simulator.startServer({ control: true })
    const res = await fetch(`${sim.baseUrl}/carriers`, { headers: { "Trackingmore-Api-Key": "sim-key-1" } })
    expect(res.status).toBe(200)
    expect(sim.keys).toEqual(Simulator.defaultKeys.map((k) => k.key))
    await sim.close()
    await sim.close()
  })
})
