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

describe("Gate (in memory): one cooldown per penalty", () => {
  const wait = 120_000

  it.effect("a 429 to a request sent before the cooldown began is an echo: the cooldown does not move", () =>
    Effect.gen(function*() {
      const gate = yield* Gate.makeMemory
      yield* TestClock.setTime(10_000)
      yield* gate.cooldown("k", 10_000 + wait, { sentAt: 9_000 })
      // requests sent at 9.5 s and 9.9 s (before the cooldown began) come back 429 40 and 60 s later
      yield* TestClock.setTime(50_000)
      yield* gate.cooldown("k", 50_000 + wait, { sentAt: 9_500 })
      yield* TestClock.setTime(70_000)
      yield* gate.cooldown("k", 70_000 + wait, { sentAt: 9_900 })
      assert.deepStrictEqual(yield* gate.state("k"), Gate.GateState.Cooling({ until: 10_000 + wait }))
      const waiter = yield* Effect.fork(gate.await("k"))
      yield* TestClock.setTime(10_000 + wait)
      assert.strictEqual(yield* Fiber.join(waiter), "probe")
    }))

  it.effect("a 429 to a request sent during the cooldown (a race) is an echo too", () =>
    Effect.gen(function*() {
      const gate = yield* Gate.makeMemory
      yield* gate.cooldown("k", wait, { sentAt: 0 })
      yield* TestClock.setTime(30_000)
      yield* gate.cooldown("k", 30_000 + wait, { sentAt: 1_000 })
      assert.deepStrictEqual(yield* gate.state("k"), Gate.GateState.Cooling({ until: wait }))
    }))

  it.effect("a 429 to a request sent after the cooldown ended (the probe) starts a new cooldown", () =>
    Effect.gen(function*() {
      const gate = yield* Gate.makeMemory
      yield* gate.cooldown("k", wait, { sentAt: 0 })
      yield* TestClock.setTime(wait)
      assert.strictEqual(yield* gate.await("k"), "probe")
      yield* TestClock.setTime(wait + 200)
      yield* gate.cooldown("k", wait + 200 + wait, { sentAt: wait })
      yield* gate.settle("k", true)
      assert.deepStrictEqual(yield* gate.state("k"), Gate.GateState.Cooling({ until: wait + 200 + wait }))
      // the next caller after it probes again
      const waiter = yield* Effect.fork(gate.await("k"))
      yield* TestClock.setTime(2 * wait + 200)
      assert.strictEqual(yield* Fiber.join(waiter), "probe")
    }))

  it.effect("without sentAt every 429 counts, as before: the later end wins", () =>
    Effect.gen(function*() {
      const gate = yield* Gate.makeMemory
      yield* gate.cooldown("k", wait)
      yield* TestClock.setTime(40_000)
      yield* gate.cooldown("k", 40_000 + wait)
      assert.deepStrictEqual(yield* gate.state("k"), Gate.GateState.Cooling({ until: 40_000 + wait }))
    }))

  it.effect("a probe answered 429 before the end its echoes asked for: the key's server extends, echoes count from then on", () =>
    Effect.gen(function*() {
      const gate = yield* Gate.makeMemory
      yield* gate.cooldown("k", wait, { sentAt: 0 })
      // an echo 60 s in: a server that extends the penalty keeps it until 180 s
      yield* TestClock.setTime(60_000)
      yield* gate.cooldown("k", 60_000 + wait, { sentAt: 0 })
      assert.deepStrictEqual(yield* gate.state("k"), Gate.GateState.Cooling({ until: wait }))
      yield* TestClock.setTime(wait)
      assert.strictEqual(yield* gate.await("k"), "probe")
      // the probe, sent at 120 s, is answered 429: the server extended the penalty
      yield* gate.cooldown("k", wait + wait, { sentAt: wait })
      yield* gate.settle("k", true)
      assert.deepStrictEqual(yield* gate.state("k"), Gate.GateState.Cooling({ until: 2 * wait }))
      // an echo of this penalty (sent before the probe's cooldown began) now pushes the cooldown later
      yield* TestClock.setTime(wait + 30_000)
      yield* gate.cooldown("k", wait + 30_000 + wait, { sentAt: wait - 10 })
      assert.deepStrictEqual(yield* gate.state("k"), Gate.GateState.Cooling({ until: 2 * wait + 30_000 }))
      // a reset forgets what was learned
      yield* gate.reset("k")
      yield* gate.cooldown("k", 300_000 + wait, { sentAt: 300_000 })
      yield* TestClock.setTime(310_000)
      yield* gate.cooldown("k", 310_000 + wait, { sentAt: 300_000 })
      assert.deepStrictEqual(yield* gate.state("k"), Gate.GateState.Cooling({ until: 300_000 + wait }))
    }))

  it.effect("a probe answered 429 after the end its echoes asked for is a new penalty, not an extending server", () =>
    Effect.gen(function*() {
      const gate = yield* Gate.makeMemory
      yield* gate.cooldown("k", wait, { sentAt: 0 })
      yield* TestClock.setTime(wait)
      assert.strictEqual(yield* gate.await("k"), "probe")
      // no echo came: the probe's 429 starts a new penalty, and its echoes are echoes still
      yield* gate.cooldown("k", 2 * wait, { sentAt: wait })
      yield* gate.settle("k", true)
      yield* TestClock.setTime(wait + 40_000)
      yield* gate.cooldown("k", wait + 40_000 + wait, { sentAt: wait + 1 })
      assert.deepStrictEqual(yield* gate.state("k"), Gate.GateState.Cooling({ until: 2 * wait }))
    }))

  it.effect("once a probe is answered without a 429, a later 429 is a new penalty and tells nothing about extension", () =>
    Effect.gen(function*() {
      const gate = yield* Gate.makeMemory
      yield* gate.cooldown("k", wait, { sentAt: 0 })
      yield* TestClock.setTime(60_000)
      yield* gate.cooldown("k", 60_000 + wait, { sentAt: 0 })
      yield* TestClock.setTime(wait)
      assert.strictEqual(yield* gate.await("k"), "probe")
      yield* gate.settle("k", true)
      // sent after the probe, before the end the echoes asked for: a new penalty of its own
      yield* TestClock.setTime(wait + 10_000)
      yield* gate.cooldown("k", wait + 10_000 + wait, { sentAt: wait + 5_000 })
      // its echoes are echoes still
      yield* TestClock.setTime(wait + 20_000)
      yield* gate.cooldown("k", wait + 20_000 + wait, { sentAt: wait + 6_000 })
      assert.deepStrictEqual(yield* gate.state("k"), Gate.GateState.Cooling({ until: wait + 10_000 + wait }))
    }))

  it.prop("for any interleaving of echoes and waiters, the cooldown ends where the first penalty's does", [
    fc.integer({ min: 0, max: 60_000 }),
    fc.array(
      fc.oneof(
        // an echo: answered `at` ms after the first 429, sent `sentBefore` ms before the first 429 came back
        // (negative: sent during the cooldown, a race)
        fc.record({
          op: fc.constant("echo" as const),
          at: fc.integer({ min: 0, max: 200_000 }),
          sentBefore: fc.integer({ min: -119_999, max: 60_000 })
        }),
        fc.record({ op: fc.constant("await" as const), at: fc.integer({ min: 0, max: 200_000 }) })
      ),
      { maxLength: 30 }
    )
  ], ([first, operations]) =>
    runInstant((clock) =>
      Effect.gen(function*() {
        const gate = yield* Gate.makeMemory
        clock.advanceTo(first)
        const end = first + wait
        yield* gate.cooldown("k", end, { sentAt: Math.max(0, first - 500) })
        let probed = false
        for (const operation of [...operations].sort((a, b) => a.at - b.at)) {
          clock.advanceTo(first + operation.at)
          if (operation.op === "echo") {
            yield* gate.cooldown("k", clock.now() + wait, { sentAt: first - operation.sentBefore })
            continue
          }
          const pass = yield* gate.await("k")
          assert.strictEqual(clock.now(), Math.max(end, first + operation.at), "released when the first penalty ends")
          if (pass === "probe") {
            assert.isFalse(probed, "one probe")
            probed = true
            yield* gate.settle("k", true)
          }
        }
        const state = yield* gate.state("k")
        if (clock.now() < end) assert.deepStrictEqual(state, Gate.GateState.Cooling({ until: end }))
        else assert.deepStrictEqual(state, Gate.GateState.Open())
      })
    ), { fastCheck: { numRuns: 1000 } })
})
