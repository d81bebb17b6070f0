import { describe, expect, it } from "@effect/vitest"
import * as StatusCode from "@trackingmore-effect/core/StatusCode"
import * as Effect from "effect/Effect"
import * as Fault from "../src/Fault.js"
import * as Simulator from "../src/Simulator.js"
import { call, generous } from "./utils.js"

const UPS = "1Z999AA10123456784"
const body = { tracking_number: UPS, carrier_code: "ups" }

const attempt = (sim: Simulator.SimulatorHandle, path: string, timeoutMs = 2000) =>
  Effect.promise(() =>
    fetch(`${sim.baseUrl}${path}`, {
      headers: { "Trackingmore-Api-Key": "sim-key-1" },
      signal: AbortSignal.timeout(timeoutMs)
    }).then(
      async (res) => ({ ok: true as const, status: res.status, text: await res.text() }),
      (error: unknown) => ({ ok: false as const, error })
    )
  )

describe("faults", () => {
  it.scoped("scripted: the first two gets answer 503, then normal", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator.start({ rateLimits: generous, mode: "mirror", faults: { scripted: { get: ["503", "503"] } } })
      yield* call(sim, "POST", "/trackings/post", { body })
      const a = yield* call(sim, "GET", `/trackings/ups/${UPS}`)
      const b = yield* call(sim, "GET", `/trackings/ups/${UPS}`)
      const c = yield* call(sim, "GET", `/trackings/ups/${UPS}`)
      expect([a.status, a.code, b.status, b.code, c.status, c.code]).toEqual([503, 503, 503, 503, 200, 200])
      expect(a.type).toBe("Service Unavailable")
      expect(sim.log().map((e) => e.fault)).toEqual([undefined, "503", "503", undefined])
    }))

  it.scoped("scripted catalogue codes (402, 403, 409, 500, 4018) and 429 with or without the penalty", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator.start({
        rateLimits: generous,
        faults: { scripted: { carriers: ["402", "403", "409", "500", "4018", "none", "429", "429-penalty"] } }
      })
      const codes: Array<number | undefined> = []
      for (let i = 0; i < 7; i++) codes.push((yield* call(sim, "GET", "/carriers")).code)
      expect(codes).toEqual([402, 403, 409, 500, 4018, 200, 429])
      // a plain 429 fault does not start the penalty
      expect((yield* call(sim, "GET", "/trackings/getuserinfo")).code).toBe(200)
      expect((yield* call(sim, "GET", "/carriers")).code).toBe(429) // 429-penalty
      expect((yield* call(sim, "GET", "/trackings/getuserinfo")).code).toBe(429)
      sim.advance(121_000)
      expect((yield* call(sim, "GET", "/trackings/getuserinfo")).code).toBe(200)
    }))

  it.scoped("reset, html502, empty, truncated (processed), slow", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator.start({
        rateLimits: generous,
        faults: { scripted: { get: ["reset", "html502", "empty", "slow"], create: ["truncated"] }, slowMs: 150 }
      })
      const reset = yield* attempt(sim, "/trackings/ups/1Z0000000000000000")
      expect(reset.ok).toBe(false)
      const html = yield* attempt(sim, "/trackings/ups/1Z0000000000000000")
      expect(html.ok && html.status).toBe(502)
      expect(html.ok && html.text).toContain("<html>")
      const empty = yield* attempt(sim, "/trackings/ups/1Z0000000000000000")
      expect(empty.ok && [empty.status, empty.text]).toEqual([200, ""])
      const started = Date.now()
      const slow = yield* attempt(sim, "/trackings/ups/1Z0000000000000000")
      expect(Date.now() - started).toBeGreaterThanOrEqual(140)
      expect(slow.ok && JSON.parse(slow.text).meta.code).toBe(4031)
      const truncated = yield* call(sim, "POST", "/trackings/post", { body })
      expect(truncated.code).toBeUndefined()
      expect(truncated.text.startsWith("{\"meta\":{\"code\":201")).toBe(true)
      expect(() => JSON.parse(truncated.text)).toThrow()
      // the truncated create was processed
      expect((yield* call(sim, "POST", "/trackings/post", { body })).code).toBe(4016)
      expect(sim.log().map((e) => [e.status, e.fault])).toEqual([
        [0, "reset"],
        [502, "html502"],
        [200, "empty"],
        [200, "slow"],
        [200, "truncated"],
        [200, undefined]
      ])
    }))

  it.effect("timeout: never answered, and the server still closes at once", () =>
    Effect.gen(function*() {
      const started = Date.now()
      yield* Effect.scoped(Effect.gen(function*() {
        const sim = yield* Simulator.start({ faults: { scripted: { carriers: ["timeout"] } } })
        const hung = yield* attempt(sim, "/carriers", 300)
        expect(hung.ok).toBe(false)
        expect(sim.log()[0]).toMatchObject({ status: 0, fault: "timeout", endpoint: "carriers" })
        // leave one hanging request open while the scope closes
        void fetch(`${sim.baseUrl}/carriers`, { headers: { "Trackingmore-Api-Key": "sim-key-1" } }).catch(() => {})
        sim.setFaults({ scripted: { carriers: ["timeout"] } })
        yield* Effect.promise(() => new Promise((r) => setTimeout(r, 50)))
      }))
      expect(Date.now() - started).toBeLessThan(2000)
    }))

  it.scoped("random faults with the same seed repeat exactly", () =>
    Effect.gen(function*() {
      const kinds: ReadonlyArray<Fault.FaultKind> = ["500", "503", "429", "reset", "truncated", "html502", "empty"]
      const run = (seed: number) =>
        Effect.gen(function*() {
          const sim = yield* Simulator.start({ seed, rateLimits: generous, faults: { random: { rate: 0.5, kinds } } })
          for (let i = 0; i < 40; i++) yield* attempt(sim, "/carriers")
          return sim.log().map((e) => e.fault ?? "-")
        })
      const a = yield* run(42)
      const b = yield* run(42)
      const c = yield* run(43)
      expect(a).toEqual(b)
      expect(a).not.toEqual(c)
      expect(a.filter((f) => f !== "-").length).toBeGreaterThan(5)
      expect(a.filter((f) => f === "-").length).toBeGreaterThan(5)
      // a random 429 never starts the penalty: every non-faulted request succeeded
      const sim = yield* Simulator.start({ seed: 42, rateLimits: generous, faults: { random: { rates: { "429": 0.5 } } } })
      const codes: Array<number | undefined> = []
      for (let i = 0; i < 20; i++) codes.push((yield* call(sim, "GET", "/carriers")).code)
      expect(codes).toContain(429)
      expect(codes.every((c) => c === 200 || c === 429)).toBe(true)
      expect(codes.filter((c) => c === 200).length).toBeGreaterThan(3)
    }))

  it.scoped("any catalogue code can be scripted, with type and message from the catalogue, in both modes", () =>
    Effect.gen(function*() {
      const script = StatusCode.all.map((entry) => String(entry.code) as Fault.ScriptedFault)
      for (const mode of ["always-200", "mirror"] as const) {
        const sim = yield* Simulator.start({ mode, rateLimits: generous, faults: { scripted: { userInfo: script } } })
        for (const entry of StatusCode.all) {
          const reply = yield* call(sim, "GET", "/trackings/getuserinfo")
          expect([reply.code, reply.type]).toEqual([entry.code, entry.type])
          expect(reply.message).toContain(entry.meaning)
          expect(reply.status).toBe(mode === "always-200" ? 200 : entry.code < 1000 ? entry.code : 400)
        }
      }
    }))

  it("parseSpec reads kind:rate lists", () => {
    expect(Fault.parseSpec("reset:0.05,503:0.05")).toEqual({ rates: { reset: 0.05, "503": 0.05 } })
    expect(() => Fault.parseSpec("boom:0.1")).toThrow()
  })
})
