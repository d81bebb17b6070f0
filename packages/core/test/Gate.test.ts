import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as TestClock from "effect/TestClock"
import * as fc from "effect/FastCheck"
import * as Gate from "../src/Gate.js"
import * as TrackingMoreError from "../src/TrackingMoreError.js"
import { runInstant } from "./utils/instantClock.js"

describe("Gate (in memory)", () => {
  it.effect("cooldowns keep the later time and report their state", () =>
    Effect.gen(function*() {
      const gate = yield* Gate.makeMemory
      yield* gate.cooldown("k", 5_000)
      yield* gate.cooldown("k", 3_000)
      assert.deepStrictEqual(yield* gate.state("k"), Gate.GateState.Cooling({ until: 5_000 }))
      assert.deepStrictEqual(yield* gate.state("other"), Gate.GateState.Open())
    }))

  it.effect("a waiter with a deadline before the cooldown's end fails at once", () =>
    Effect.gen(function*() {
      const gate = yield* Gate.makeMemory
      yield* gate.cooldown("k", 120_000)
      const error = yield* Effect.flip(gate.await("k", { deadline: 60_000 }))
      assert.strictEqual(error._tag, "DeadlineExceeded")
    }))

  it.effect("halts fail waiters with the halting error until they expire or are reset", () =>
    Effect.gen(function*() {
      const gate = yield* Gate.makeMemory
      yield* gate.halt("k", TrackingMoreError.fromCode(4019), undefined)
      assert.strictEqual((yield* Effect.flip(gate.await("k")))._tag, "InsufficientBalance")
      yield* gate.reset("k")
      assert.strictEqual(yield* gate.await("k"), "open")
    }))

  it.prop("never releases a waiter before the cooldown ends", [
    fc.array(
      fc.oneof(
        fc.record({ op: fc.constant("cooldown" as const), at: fc.integer({ min: 0, max: 600_000 }), length: fc.integer({ min: 1, max: 300_000 }) }),
        fc.record({ op: fc.constant("await" as const), at: fc.integer({ min: 0, max: 600_000 }), probeSeesAnother429: fc.boolean() })
      ),
      { minLength: 1, maxLength: 20 }
    )
  ], ([operations]) =>
    runInstant((clock) =>
      Effect.gen(function*() {
        const gate = yield* Gate.makeMemory
        let coolingUntil = 0
        for (const operation of operations) {
          clock.advanceTo(operation.at)
          if (operation.op === "cooldown") {
            coolingUntil = Math.max(coolingUntil, clock.now() + operation.length)
            yield* gate.cooldown("k", clock.now() + operation.length)
            continue
          }
          const pass = yield* gate.await("k")
          assert.isAtLeast(clock.now(), coolingUntil, "released only after every cooldown set before")
          if (pass === "probe") {
            if (operation.probeSeesAnother429) {
              coolingUntil = clock.now() + 120_000
              yield* gate.cooldown("k", coolingUntil)
            }
            yield* gate.settle("k", true)
          }
        }
      })
    ), { fastCheck: { numRuns: 1000 } })
})

describe("Gate (in memory): waiting for a probe", () => {
  it.effect("a caller behind a probe waits no longer than its deadline", () =>
    Effect.gen(function*() {
      const gate = yield* Gate.makeMemory
      yield* gate.cooldown("k", 1_000)
      yield* TestClock.adjust("1 second")
      assert.strictEqual(yield* gate.await("k"), "probe")
      const waiter = yield* Effect.fork(Effect.flip(gate.await("k", { deadline: 6_000 })))
      yield* TestClock.adjust("5 seconds")
      const error = yield* Fiber.join(waiter)
      assert.strictEqual(error._tag, "DeadlineExceeded")
      if (error._tag === "DeadlineExceeded" && !TrackingMoreError.isTrackingMoreError(error)) {
        assert.strictEqual(error.waitingFor, "probe")
        assert.strictEqual(error.until, 6_000)
      }
    }))
})
