import * as RateLimiter from "@effect/experimental/RateLimiter"
import { describe, expect, it } from "@effect/vitest"
import { deepStrictEqual, strictEqual } from "@effect/vitest/utils"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as FastCheck from "effect/FastCheck"
import * as Fiber from "effect/Fiber"
import * as TestClock from "effect/TestClock"
import * as Gate from "../src/Gate.js"
import * as RateLimit from "../src/RateLimit.js"
import * as Retry from "../src/Retry.js"
import * as RetryBudget from "../src/RetryBudget.js"
import type * as TrackingMoreError from "../src/TrackingMoreError.js"

const oneASecond = { limit: 1, window: "1 second" } as const

/** A rate-limit step over a fresh in-memory limiter. */
const step = (options: { readonly rate?: RateLimit.Rate; readonly headroom?: number } = {}) =>
  Effect.flatMap(RateLimit.makeMemory, (limiter) =>
    RateLimit.make({ limiter, key: "fp:default", rate: options.rate ?? oneASecond, headroom: options.headroom ?? 0 }))

/** Starts `count` callers at once; each records the (TestClock) instant of its turn. */
const race = (rateLimit: RateLimit.RateLimit, count: number, deadline = Number.POSITIVE_INFINITY) =>
  Effect.gen(function*() {
    const turns: Array<number> = []
    const fibers = yield* Effect.forEach(Array.from({ length: count }, (_, i) => i), (i) =>
      Effect.fork(
        Effect.zipRight(
          rateLimit.take(deadline),
          Effect.flatMap(Clock.currentTimeMillis, (now) => Effect.sync(() => turns.push(i * 1_000_000 + now)))
        )
      ))
    return { turns, fibers }
  })

describe("RateLimit", () => {
  describe("makeMemory (GCRA)", () => {
    it.effect("with \"fail\" grants a burst of `limit`, then refuses with the wait and books nothing", () =>
      Effect.gen(function*() {
        const limiter = yield* RateLimit.makeMemory
        const take = limiter.consume({ key: "k", limit: 2, window: "1 second", onExceeded: "fail" })
        yield* take
        yield* take
        const refused = yield* Effect.flip(take)
        expect(refused).toBeInstanceOf(RateLimiter.RateLimitExceeded)
        if (refused.reason === "Exceeded") strictEqual(Duration.toMillis(refused.retryAfter), 500)
        yield* TestClock.adjust("500 millis")
        strictEqual(Duration.toMillis((yield* take).delay), 0)
      }))

    it.effect("with \"delay\" books each request one interval after the previous and returns the wait", () =>
      Effect.gen(function*() {
        const limiter = yield* RateLimit.makeMemory
        const delays = yield* Effect.forEach([1, 2, 3], () =>
          Effect.map(
            limiter.consume({ key: "k", limit: 1, window: "1 second", onExceeded: "delay" }),
            (result) => Duration.toMillis(result.delay)
          ))
        deepStrictEqual(delays, [0, 1000, 2000])
      }))
  })

  describe("make (the rate-limit step)", () => {
    it.effect("callers take turns one interval apart, first come first served", () =>
      Effect.gen(function*() {
        const { fibers, turns } = yield* race(yield* step(), 4)
        yield* TestClock.adjust("10 seconds")
        yield* Fiber.joinAll(fibers)
        deepStrictEqual(turns, [0, 1_000_000 + 1000, 2_000_000 + 2000, 3_000_000 + 3000])
      }))

    it.effect("says whether the caller had to wait", () =>
      Effect.gen(function*() {
        const rateLimit = yield* step()
        strictEqual(yield* rateLimit.take(Number.POSITIVE_INFINITY), false)
        const second = yield* Effect.fork(rateLimit.take(Number.POSITIVE_INFINITY))
        yield* TestClock.adjust("1 second")
        strictEqual(yield* Fiber.join(second), true)
      }))

    it.effect("a turn that would come after the deadline fails at once, for the first in line and for those behind", () =>
      Effect.gen(function*() {
        const rateLimit = yield* step()
        yield* rateLimit.take(Number.POSITIVE_INFINITY)
        const first = yield* Effect.flip(rateLimit.take(500))
        if (!(first instanceof Gate.DeadlineExceeded)) return expect.fail(`expected DeadlineExceeded, got ${first._tag}`)
        deepStrictEqual({ waitingFor: first.waitingFor, until: first.until }, { waitingFor: "rate-limit", until: 1000 })
        // one caller waits for its turn at 1 s; another, behind it, may wait until 1.5 s only
        const holder = yield* Effect.fork(rateLimit.take(Number.POSITIVE_INFINITY))
        const behind = yield* Effect.fork(Effect.flip(rateLimit.take(1500)))
        yield* TestClock.adjust("1500 millis")
        strictEqual(yield* Fiber.join(holder), true)
        strictEqual((yield* Fiber.join(behind))._tag, "DeadlineExceeded")
      }))

    it.effect("paces `headroom` below the limit", () =>
      Effect.gen(function*() {
        const { fibers, turns } = yield* race(yield* step({ headroom: 0.1 }), 3)
        yield* TestClock.adjust("10 seconds")
        yield* Fiber.joinAll(fibers)
        deepStrictEqual(turns, [0, 1_000_000 + 1100, 2_000_000 + 2200])
      }))

    it.effect("after a cooldown paces `recovery.slowdown` times slower, back to normal after `recovery.intervals`", () =>
      Effect.gen(function*() {
        const rateLimit = yield* step()
        yield* rateLimit.slowDown
        const { fibers, turns } = yield* race(rateLimit, RateLimit.recovery.intervals + 10)
        yield* TestClock.adjust("5 minutes")
        yield* Fiber.joinAll(fibers)
        const instants = turns.map((turn) => turn % 1_000_000)
        const gaps = instants.slice(1).map((at, i) => at - instants[i]!)
        expect(gaps[0]).toBeGreaterThanOrEqual(1490)
        expect(gaps[0]).toBeLessThanOrEqual(1500)
        // easing back: never longer than the gap before (a millisecond of rounding aside) …
        for (let i = 1; i < gaps.length; i++) expect(gaps[i]!).toBeLessThanOrEqual(gaps[i - 1]! + 1)
        // … and the plain interval once `recovery.intervals` have passed
        for (const gap of gaps.slice(-5)) {
          expect(gap).toBeGreaterThanOrEqual(1000)
          expect(gap).toBeLessThanOrEqual(1001)
        }
      }))
  })

  it.effect.prop(
    "whatever the arrival pattern, turns under a limit of 1 are at least one interval apart and in arrival order",
    [FastCheck.array(FastCheck.integer({ min: 0, max: 3000 }), { minLength: 1, maxLength: 12 })],
    ([arrivals]) =>
      Effect.gen(function*() {
        const rateLimit = yield* step()
        const turns: Array<readonly [number, number]> = []
        const sorted = [...arrivals].sort((x, y) => x - y)
        const fibers: Array<Fiber.RuntimeFiber<void, unknown>> = []
        let now = 0
        for (const [i, at] of sorted.entries()) {
          yield* TestClock.adjust(Duration.millis(at - now))
          now = at
          fibers.push(
            yield* Effect.fork(
              Effect.zipRight(
                rateLimit.take(Number.POSITIVE_INFINITY),
                Effect.flatMap(Clock.currentTimeMillis, (t) => Effect.sync(() => void turns.push([i, t])))
              )
            )
          )
        }
        yield* TestClock.adjust("60 seconds")
        yield* Fiber.joinAll(fibers)
        deepStrictEqual(turns.map(([i]) => i), sorted.map((_, i) => i))
        for (let i = 1; i < turns.length; i++) expect(turns[i]![1] - turns[i - 1]![1]).toBeGreaterThanOrEqual(1000)
        for (const [i, t] of turns) expect(t).toBeGreaterThanOrEqual(sorted[i]!)
      }),
    { fastCheck: { numRuns: 50 } }
  )

  describe("as a step of Retry.run", () => {
    const services = (rateLimit: RateLimit.RateLimit) =>
      Effect.all({ gate: Gate.makeMemory, budget: RetryBudget.makeMemory() }).pipe(
        Effect.map(({ budget, gate }): Retry.RetryServices => ({ gate, budget, rateLimit }))
      )

    it.effect("a caller that slept for its turn while the key began to cool goes back to the gate", () =>
      Effect.gen(function*() {
        const rateLimit = yield* step()
        const retryServices = yield* services(rateLimit)
        const sent: Array<number> = []
        const attempt: Effect.Effect<string, TrackingMoreError.TrackingMoreError> = Effect.flatMap(
          Clock.currentTimeMillis,
          (now) => Effect.sync(() => (sent.push(now), "ok"))
        )
        const call = Retry.run(attempt, { key: "fp", idempotent: true, services: retryServices })
        yield* call
        const waiting = yield* Effect.fork(call)
        // the key starts to cool at 0.5 s, while the second caller sleeps for its turn at 1 s
        yield* TestClock.adjust("500 millis")
        yield* retryServices.gate.cooldown("fp", 120_500)
        yield* TestClock.adjust("200 seconds")
        strictEqual(yield* Fiber.join(waiting), "ok")
        deepStrictEqual(sent, [0, 120_500])
      }))

    it.effect("only a hold of a turn or more at the gate (a cooldown) slows the pace, not a slow open gate", () =>
      Effect.gen(function*() {
        // a gate whose await takes `hold` ms and lets the caller through
        const turnsAfter = (hold: number) =>
          Effect.gen(function*() {
            const rateLimit = yield* step()
            const base = yield* services(rateLimit)
            const gate: Gate.Service = { ...base.gate, await: () => Effect.as(Effect.sleep(Duration.millis(hold)), "open" as const) }
            const sent: Array<number> = []
            const attempt = Effect.flatMap(Clock.currentTimeMillis, (now) => Effect.sync(() => (sent.push(now), "ok")))
            const call = Retry.run(attempt, { key: "fp", idempotent: true, services: { ...base, gate } })
            const fiber = yield* Effect.fork(Effect.all([call, call, call], { concurrency: "unbounded" }))
            yield* TestClock.adjust("1 minute")
            yield* Fiber.join(fiber)
            return sent.slice(1).map((at, i) => at - sent[i]!)
          })
        deepStrictEqual(yield* turnsAfter(1), [1000, 1000])
        const afterHold = yield* turnsAfter(1000)
        expect(afterHold[0]).toBeGreaterThanOrEqual(1450)
      }))

    it.effect("a call whose turn comes after its deadline fails with DeadlineExceeded, nothing sent", () =>
      Effect.gen(function*() {
        const rateLimit = yield* step({ rate: { limit: 1, window: "1 minute" } })
        const retryServices = yield* services(rateLimit)
        let runs = 0
        const attempt = Effect.sync(() => (runs++, "ok"))
        yield* Retry.run(attempt, { key: "fp", idempotent: true, services: retryServices })
        const error = yield* Effect.flip(
          Retry.run(attempt, { key: "fp", idempotent: true, services: retryServices, deadline: "30 seconds" })
        )
        strictEqual(error._tag, "DeadlineExceeded")
        if (error._tag === "DeadlineExceeded") strictEqual(error.waitingFor, "rate-limit")
        strictEqual(runs, 1)
      }))
  })
})
