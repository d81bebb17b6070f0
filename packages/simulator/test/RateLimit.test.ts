import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Simulator from "../src/Simulator.js"
import { call, sleep } from "./utils.js"

describe("rate limits", () => {
  it.scoped("default group: 1 req/s with a burst of 2, then 429 on every endpoint for 120 simulated seconds", () =>
    Effect.gen(function*() {
      // timeScale 10: one simulated second lasts 10 real seconds, so refills never race the test's requests
      const sim = yield* Simulator.start({ timeScale: 10 })
      expect((yield* call(sim, "GET", "/carriers")).code).toBe(200)
      expect((yield* call(sim, "GET", "/trackings/getuserinfo")).code).toBe(200)
      const over = yield* call(sim, "GET", "/carriers")
      expect(over.code).toBe(429)
      expect(over.type).toBe("Too Many Requests")
      // every endpoint, every group, is now 429 for the key
      expect((yield* call(sim, "GET", "/trackings/get")).code).toBe(429)
      expect((yield* call(sim, "POST", "/trackings/realtime", { body: {} })).code).toBe(429)
      // another key is not affected; auth failures come before rate limiting
      expect((yield* call(sim, "GET", "/carriers", { key: "sim-key-2" })).code).toBe(200)
      for (let i = 0; i < 5; i++) expect((yield* call(sim, "GET", "/carriers", { key: "nobody" })).code).toBe(4001)
      sim.advance(118_000)
      expect((yield* call(sim, "GET", "/carriers")).code).toBe(429) // requests in the penalty do not extend it
      sim.advance(3_000)
      expect((yield* call(sim, "GET", "/carriers")).code).toBe(200)
      const codes = sim.log().filter((e) => e.key === "sim-key-1").map((e) => e.code)
      expect(codes).toEqual([200, 200, 429, 429, 429, 429, 200])
      expect(sim.counters().byEndpoint.carriers?.["429"]).toBe(2)
    }))

  it.scoped("realtime has 3 req/s (burst 4) and list its own 1 req/s", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator.start({ timeScale: 10 })
      const body = { tracking_number: "RR123456789CN", carrier_code: "china-post" }
      for (let i = 0; i < 4; i++) expect((yield* call(sim, "POST", "/trackings/realtime", { body })).code).toBe(200)
      expect((yield* call(sim, "POST", "/trackings/realtime", { body })).code).toBe(429)
      const other = "sim-key-2"
      expect((yield* call(sim, "GET", "/carriers", { key: other })).code).toBe(200)
      expect((yield* call(sim, "GET", "/carriers", { key: other })).code).toBe(200)
      // the default bucket is empty but list has its own
      expect((yield* call(sim, "GET", "/trackings/get", { key: other })).code).toBe(200)
      expect((yield* call(sim, "GET", "/trackings/get", { key: other })).code).toBe(200)
      expect((yield* call(sim, "GET", "/trackings/get", { key: other })).code).toBe(429)
    }))

  it.scoped("with a small time scale, the penalty ends after 120 simulated seconds and is not extended", () =>
    Effect.gen(function*() {
      // one simulated second = 5 ms: the penalty lasts 600 ms real; one token per 100 simulated s = 500 ms real
      const sim = yield* Simulator.start({ timeScale: 0.005, rateLimits: { default: 0.01, burst: 1 } })
      expect((yield* call(sim, "GET", "/carriers")).code).toBe(200)
      expect((yield* call(sim, "GET", "/carriers")).code).toBe(429)
      yield* sleep(250)
      expect((yield* call(sim, "GET", "/carriers")).code).toBe(429) // inside the penalty; does not extend it
      yield* sleep(550) // 800 ms after the 429 = 160 simulated s
      expect((yield* call(sim, "GET", "/carriers")).code).toBe(200)
    }))

  it.scoped("extendPenalty off (the default): requests during the penalty leave its end where it was", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator.start({ timeScale: 10, faults: { scripted: { carriers: ["429-penalty"] } } })
      expect((yield* call(sim, "GET", "/carriers")).code).toBe(429)
      const started = sim.log()[0]!.simulatedAt
      for (const at of [30_000, 90_000, 119_000]) {
        sim.advance(at - (sim.now() - started))
        expect((yield* call(sim, "GET", "/trackings/getuserinfo")).code).toBe(429)
      }
      // a scripted penalty during the penalty does not restart it either
      sim.setFaults({ scripted: { carriers: ["429-penalty"] } })
      expect((yield* call(sim, "GET", "/carriers")).code).toBe(429)
      sim.advance(started + 120_000 - sim.now())
      expect((yield* call(sim, "GET", "/carriers")).code).toBe(200)
    }))

  it.scoped("extendPenalty on: every request arriving during the penalty restarts it from its arrival", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator.start({
        timeScale: 10,
        rateLimits: { extendPenalty: true },
        faults: { scripted: { carriers: ["429-penalty"] } }
      })
      expect((yield* call(sim, "GET", "/carriers")).code).toBe(429)
      sim.advance(90_000)
      expect((yield* call(sim, "GET", "/trackings/getuserinfo")).code).toBe(429)
      const echo = sim.log()[1]!.simulatedAt
      // past the first penalty's end, inside the one the echo restarted
      sim.advance(echo + 119_000 - sim.now())
      expect((yield* call(sim, "GET", "/carriers")).code).toBe(429)
      const last = sim.log()[2]!.simulatedAt
      sim.advance(last + 119_000 - sim.now())
      expect((yield* call(sim, "GET", "/carriers")).code).toBe(429)
      // nothing arrives for a whole penalty: the key is open again
      const quiet = sim.log()[3]!.simulatedAt
      sim.advance(quiet + 120_000 - sim.now())
      expect((yield* call(sim, "GET", "/carriers")).code).toBe(200)
      expect(sim.log().map((e) => e.code)).toEqual([429, 429, 429, 429, 200])
    }))

  it.scoped("extendPenalty on: a penalty a bucket started is restarted the same way, and the switch follows setRateLimits", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator.start({ timeScale: 10, rateLimits: { extendPenalty: true } })
      for (let i = 0; i < 2; i++) expect((yield* call(sim, "GET", "/carriers")).code).toBe(200)
      expect((yield* call(sim, "GET", "/carriers")).code).toBe(429)
      sim.advance(100_000)
      expect((yield* call(sim, "GET", "/carriers")).code).toBe(429)
      sim.advance(100_000) // 200 s after the first 429, 100 s after the echo
      expect((yield* call(sim, "GET", "/carriers")).code).toBe(429)
      // replaced by limits without the switch: the running penalty is no longer restarted
      sim.setRateLimits({})
      sim.advance(100_000)
      expect((yield* call(sim, "GET", "/carriers")).code).toBe(429)
      sim.advance(20_001)
      expect((yield* call(sim, "GET", "/carriers")).code).toBe(200)
    }))

  it.scoped("rate limits are configurable at runtime", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator.start({ rateLimits: { default: 1000 } })
      for (let i = 0; i < 20; i++) expect((yield* call(sim, "GET", "/carriers")).code).toBe(200)
      sim.setRateLimits({ default: 1, burst: 1 })
      expect((yield* call(sim, "GET", "/carriers")).code).toBe(200)
      expect((yield* call(sim, "GET", "/carriers")).code).toBe(429)
    }))
})
