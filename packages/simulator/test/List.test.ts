import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as fc from "effect/FastCheck"
import * as Simulator from "../src/Simulator.js"
import { call, generous } from "./utils.js"

/** 2024-01-01T00:00:00.700Z: creations land 0.7 s into a second, to show the whole-second comparison. */
const startS = Date.UTC(2024, 0, 1) / 1000
const startTime = startS * 1000 + 700

// A simulated clock that stands still unless advanced: a real second is a millionth of a simulated millisecond.
const frozen = { rateLimits: generous, timeScale: 1_000_000, startTime, lifecycleStepSeconds: 60 } as const

/** A bound around the creations: a second before start to two after the last. */
const second = fc.integer({ min: startS - 1, max: startS + 22 })

const numbers = (reply: { readonly data: { readonly items: ReadonlyArray<{ readonly tracking_number: string }> } }) =>
  reply.data.items.map((item) => item.tracking_number)

const create = (sim: Simulator.SimulatorHandle, number: string) =>
  call(sim, "POST", "/trackings/post", { body: { tracking_number: number, carrier_code: "dhl" } })

describe("list filters", () => {
  it.scoped("update_time_min/max select by the update's whole second, both bounds inclusive", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator.start(frozen)
      yield* create(sim, "AAAA00001") // created (and updated) at start + 0.7 s
      sim.advance(30_000)
      yield* create(sim, "BBBB00002") // at start + 30.7 s
      const list = (query: string) => Effect.map(call(sim, "GET", `/trackings/get?${query}`), numbers)
      expect(yield* list(`update_time_min=${startS}`)).toEqual(["AAAA00001", "BBBB00002"])
      expect(yield* list(`update_time_min=${startS + 1}`)).toEqual(["BBBB00002"])
      expect(yield* list(`update_time_max=${startS}`)).toEqual(["AAAA00001"])
      expect(yield* list(`update_time_min=${startS + 30}&update_time_max=${startS + 30}`)).toEqual(["BBBB00002"])
      expect(yield* list(`update_time_min=${startS + 31}`)).toEqual([])
      // a status change is an update: A's first lifecycle step is at start + 60.7 s
      sim.advance(30_000)
      const changed = yield* call(sim, "GET", `/trackings/get?update_time_min=${startS + 60}`)
      expect(numbers(changed)).toEqual(["AAAA00001"])
      expect(changed.data.items[0].status).not.toBe("pending")
      expect(Date.parse(changed.data.items[0].updated_at)).toBe(startTime + 60_000)
      // the counts per status take the same filters
      const counts = yield* call(sim, "GET", `/trackings/getstatusnumber?update_time_min=${startS + 60}`)
      expect(Object.values(counts.data as Record<string, number>).reduce((a, b) => a + b, 0)).toBe(1)
      // the time filters combine with the others
      expect(yield* list(`update_time_min=${startS}&numbers=BBBB00002`)).toEqual(["BBBB00002"])
      expect(yield* list(`created_at_min=${startS + 30}`)).toEqual(["BBBB00002"])
      expect(yield* list(`created_at_max=${startS}`)).toEqual(["AAAA00001"])
    }))

  it.scoped("paging: 100 by default, up to the documented 2000 per page, 202 with 2000 beyond", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator.start(frozen)
      const batch = (from: number) =>
        Array.from({ length: 40 }, (_, i) => ({ tracking_number: `PAGE${String(from + i).padStart(6, "0")}`, carrier_code: "dhl" }))
      for (let from = 0; from < 2040; from += 40) {
        expect((yield* call(sim, "POST", "/trackings/batch", { body: batch(from) })).data.added).toBe(40)
      }
      const first = yield* call(sim, "GET", "/trackings/get")
      expect(first.data).toMatchObject({ page: 1, limit: 100, total: 2040 })
      expect(first.data.items).toHaveLength(100)
      const most = yield* call(sim, "GET", "/trackings/get?limit=2000")
      expect(most.code).toBe(200)
      expect(most.data.items).toHaveLength(2000)
      const rest = yield* call(sim, "GET", "/trackings/get?limit=2000&page=2")
      expect(numbers(rest)).toEqual(["PAGE002000", ...batch(2000).slice(1).map((b) => b.tracking_number)])
      const over = yield* call(sim, "GET", "/trackings/get?limit=2001")
      expect(over.code).toBe(202)
      expect(over.message).toContain("at most 2000")
      expect(over.data).toMatchObject({ limit: 2000, total: 2040 })
      expect(over.data.items).toHaveLength(2000)
      // a page past the end is empty, not an error; the total still counts every match
      const past = yield* call(sim, "GET", "/trackings/get?limit=2000&page=3")
      expect(past.code).toBe(200)
      expect(past.data).toMatchObject({ page: 3, total: 2040, items: [] })
    }))

  it.scoped("4012 for a page, limit or time that is not a whole number in range, naming the parameter", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator.start(frozen)
      for (const query of ["page=0", "page=-1", "page=1.5", "page=x", "limit=0", "limit=-5", "limit=2.5", "limit=1e3"]) {
        const reply = yield* call(sim, "GET", `/trackings/get?${query}`)
        expect([query, reply.code]).toEqual([query, 4012])
        expect(reply.message).toContain("page and limit must be positive integers")
      }
      for (const name of ["update_time_min", "update_time_max", "created_at_min", "created_at_max"]) {
        for (const value of ["-1", "1.5", "1e9", "yesterday", "2024-01-01"]) {
          const reply = yield* call(sim, "GET", `/trackings/get?${name}=${encodeURIComponent(value)}`)
          expect([name, value, reply.code]).toEqual([name, value, 4012])
          expect(reply.message).toContain(`${name} must be unix seconds`)
          const counts = yield* call(sim, "GET", `/trackings/getstatusnumber?${name}=${encodeURIComponent(value)}`)
          expect(counts.code).toBe(4012)
        }
      }
    }))

  it("update_time_min/max select exactly the trackings whose update second lies in the bounds", () =>
    fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 20_000 }), { minLength: 1, maxLength: 12 }),
        fc.array(fc.tuple(fc.option(second), fc.option(second)), { minLength: 1, maxLength: 6 }),
        async (offsets, bounds) => {
          const sim = await Simulator.startServer(frozen)
          try {
            // creations at random milliseconds after start, in time order
            const sorted = [...offsets].sort((a, b) => a - b)
            let at = 0
            for (const [i, offset] of sorted.entries()) {
              sim.advance(offset - at)
              at = offset
              await Effect.runPromise(create(sim, `PROP${String(i).padStart(5, "0")}`))
            }
            const updated = sorted.map((offset) => Math.floor((startTime + offset) / 1000))
            for (const [min, max] of bounds) {
              const query = [min === null ? "" : `update_time_min=${min}`, max === null ? "" : `update_time_max=${max}`]
                .join("&")
              const reply = await Effect.runPromise(call(sim, "GET", `/trackings/get?limit=2000&${query}`))
              const expected = updated.filter((s) => (min === null || s >= min) && (max === null || s <= max))
              expect([query, reply.data.total]).toEqual([query, expected.length])
            }
          } finally {
            await sim.close()
          }
        }
      ),
      { numRuns: 25 }
    ))
})
