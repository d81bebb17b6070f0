import { assert, describe, it } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as fc from "effect/FastCheck"
import * as Fiber from "effect/Fiber"
import * as Random from "effect/Random"
import * as TestClock from "effect/TestClock"
import * as Backoff from "../src/Backoff.js"

const options = fc.record({ base: fc.integer({ min: 1, max: 10_000 }), cap: fc.integer({ min: 1, max: 120_000 }) })
  .filter(({ base, cap }) => cap >= base)

describe("Backoff", () => {
  it.prop("full jitter stays within [0, min(cap, base·2ⁿ)]", [options, fc.integer({ min: 0, max: 2000 }), fc.integer()], ([o, n, seed]) =>
    Effect.runSync(Effect.gen(function*() {
      const delay = Duration.toMillis(yield* Backoff.fullJitter(n, o))
      assert.isAtLeast(delay, 0)
      assert.isAtMost(delay, Math.min(o.cap, o.base * 2 ** n))
    }).pipe(Effect.withRandom(Random.make(seed)))), { fastCheck: { numRuns: 1000 } })

  it.prop("decorrelated jitter stays within [base, min(cap, 3·previous)]", [options, fc.integer({ min: 0, max: 200_000 }), fc.integer()], ([o, previous, seed]) =>
    Effect.runSync(Effect.gen(function*() {
      const delay = Duration.toMillis(yield* Backoff.decorrelatedJitter(Duration.millis(previous), o))
      assert.isAtLeast(delay, o.base)
      assert.isAtMost(delay, Math.max(o.base, Math.min(o.cap, 3 * Math.max(previous, o.base))))
    }).pipe(Effect.withRandom(Random.make(seed)))), { fastCheck: { numRuns: 1000 } })

  it.effect("the same seed gives the same delays", () =>
    Effect.gen(function*() {
      const run = Effect.all(Array.from({ length: 5 }, (_, n) => Backoff.fullJitter(n, { base: "1 second", cap: "30 seconds" })))
      const a = yield* Effect.withRandom(run, Random.make(42))
      const b = yield* Effect.withRandom(run, Random.make(42))
      assert.deepStrictEqual(a, b)
    }))

  it.effect("the schedules output the delay they wait", () =>
    Effect.gen(function*() {
      let attempts = 0
      const flaky = Effect.suspend(() => ++attempts < 4 ? Effect.fail("flaky") : Effect.succeed(attempts))
      for (const schedule of [
        Backoff.fullJitterSchedule({ base: "10 millis", cap: "100 millis" }),
        Backoff.decorrelatedJitterSchedule({ base: "10 millis", cap: "100 millis" })
      ]) {
        attempts = 0
        const fiber = yield* Effect.fork(Effect.retry(flaky, schedule))
        yield* TestClock.adjust("1 second")
        assert.strictEqual(yield* Fiber.join(fiber), 4)
      }
    }))
})
