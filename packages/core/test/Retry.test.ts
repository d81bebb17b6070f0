import { assert, describe, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Random from "effect/Random"
import * as TestClock from "effect/TestClock"
import * as Gate from "../src/Gate.js"
import * as Policy from "../src/Policy.js"
import * as Retry from "../src/Retry.js"
import * as RetryBudget from "../src/RetryBudget.js"
import * as TrackingMoreError from "../src/TrackingMoreError.js"
import { memory, scripted } from "./utils/scripted.js"

const key = "key-fingerprint"

/** The error's tag, "Interrupt" for a cause of interruptions only (however nested), else the cause's kind; "ok" on success. */
const failureTag = <A>(exit: Exit.Exit<A, TrackingMoreError.TrackingMoreError>) =>
  Exit.match(exit, {
    onFailure: (cause) =>
      cause._tag === "Fail" ? cause.error._tag : Cause.isInterruptedOnly(cause) ? "Interrupt" : cause._tag,
    onSuccess: () => "ok"
  })

describe("Retry", () => {
  describe("429 TooManyRequests", () => {
    it.effect("makes no retry before 120 s of virtual time and one right after", () =>
      Effect.gen(function*() {
        const call = scripted([429, 200])
        const fiber = yield* Effect.fork(Retry.run(call.attempt, { key, idempotent: true }))
        yield* TestClock.adjust("119999 millis")
        assert.strictEqual(call.runs(), 1)
        yield* TestClock.adjust("1 millis")
        assert.strictEqual(yield* Fiber.join(fiber), "ok")
        assert.strictEqual(call.runs(), 2)
      }).pipe(Effect.provide(memory)))

    it.effect("an echo of a known penalty waits for the key's cooldown, not two minutes from its own answer", () =>
      Effect.gen(function*() {
        const gate = yield* Gate.Gate
        const call = scripted([429, 200])
        // the first attempt is sent at 0 and answered 429 at 110 s, long after another caller's 429 at 1 s began
        // the key's cooldown (until 121 s): an echo, within a deadline of 125 s
        const slowFirst = Effect.zipRight(
          Effect.suspend(() => call.runs() === 0 ? Effect.sleep("110 seconds") : Effect.void),
          call.attempt
        )
        const fiber = yield* Effect.fork(Retry.run(slowFirst, { key, idempotent: true, deadline: "125 seconds" }))
        yield* TestClock.adjust("1 second")
        yield* gate.cooldown(key, 121_000, { sentAt: 500 })
        yield* TestClock.adjust("109 seconds")
        assert.strictEqual(call.runs(), 1)
        yield* TestClock.adjust("11 seconds")
        assert.strictEqual(yield* Fiber.join(fiber), "ok")
        assert.strictEqual(call.runs(), 2)
      }).pipe(Effect.provide(memory)))

    it.effect("waits the server's Retry-After when it is longer than two minutes", () =>
      Effect.gen(function*() {
        const call = scripted([
          TrackingMoreError.fromCode(429, { retryAfter: Duration.seconds(300) }),
          200
        ])
        const fiber = yield* Effect.fork(Retry.run(call.attempt, { key, idempotent: true }))
        yield* TestClock.adjust("299 seconds")
        assert.strictEqual(call.runs(), 1)
        yield* TestClock.adjust("1 second")
        assert.strictEqual(yield* Fiber.join(fiber), "ok")
      }).pipe(Effect.provide(memory)))

    it.effect("holds ten concurrent calls on the key until the cooldown ends, then lets exactly one go first", () =>
      Effect.gen(function*() {
        let started = 0
        // Every attempt after the 429 takes 5 s, so two attempts released "together" would both have started.
        const slow = Effect.zipRight(Effect.sync(() => void started++), Effect.as(Effect.sleep("5 seconds"), "ok"))
        const first = scripted([429, 200])
        const leader = yield* Effect.fork(
          Retry.run(Effect.zipRight(first.attempt, Effect.sleep("5 seconds")), { key, idempotent: true })
        )
        yield* TestClock.adjust("1 second")
        const followers = yield* Effect.fork(
          Effect.all(Array.from({ length: 10 }, () => Retry.run(slow, { key, idempotent: true })), {
            concurrency: "unbounded"
          })
        )
        yield* TestClock.adjust("118 seconds")
        assert.strictEqual(started, 0, "no follower attempt during the cooldown")
        assert.strictEqual(first.runs(), 1, "the leader waits too")
        yield* TestClock.adjust("1 second") // the cooldown ends at 120 s
        assert.strictEqual(started + first.runs() - 1, 1, "exactly one attempt goes first")
        yield* TestClock.adjust("4 seconds")
        assert.strictEqual(started + first.runs() - 1, 1, "the others wait for the probe's outcome")
        yield* TestClock.adjust("1 second")
        assert.strictEqual(started + first.runs() - 1, 11, "then everyone goes")
        yield* TestClock.adjust("5 seconds")
        assert.deepStrictEqual(yield* Fiber.join(followers), Array(10).fill("ok"))
        yield* Fiber.join(leader)
      }).pipe(Effect.provide(memory)))

    it.effect("fails after the maximum number of cooldowns", () =>
      Effect.gen(function*() {
        const call = scripted([429])
        const fiber = yield* Effect.fork(Effect.exit(Retry.run(call.attempt, { key, idempotent: true })))
        yield* TestClock.adjust("13 minutes")
        const exit = yield* Fiber.join(fiber)
        assert.strictEqual(failureTag(exit), "TooManyRequests")
        assert.strictEqual(call.runs(), 1 + Policy.defaults.tooManyRequests.maxCooldowns)
      }).pipe(Effect.provide(memory)))
  })

  describe("503 ServiceUnavailable", () => {
    it.effect("retries with growing, capped, jittered delays and at most six retries", () =>
      Effect.gen(function*() {
        const times: Array<number> = []
        const call = scripted([503])
        const attempt = Effect.zipRight(
          Effect.flatMap(Effect.clockWith((clock) => clock.currentTimeMillis), (now) => Effect.sync(() => times.push(now))),
          call.attempt
        )
        const fiber = yield* Effect.fork(Effect.exit(Retry.run(attempt, { key, idempotent: true })))
        // One adjustment runs every sleep in order at its own wake-up time: the recorded times are exact.
        yield* TestClock.adjust("10 minutes")
        assert.strictEqual(failureTag(yield* Fiber.join(fiber)), "ServiceUnavailable")
        assert.strictEqual(times.length, 7, "one attempt and six retries")
        const delays = times.slice(1).map((t, i) => t - times[i]!)
        const windows = delays.map((_, n) => Math.min(30_000, 1000 * 2 ** n))
        delays.forEach((delay, n) => assert.isAtMost(delay, windows[n]!, `retry ${n} within [0, ${windows[n]} ms]`))
        assert.deepStrictEqual(windows, [1000, 2000, 4000, 8000, 16_000, 30_000], "the windows grow, then cap")
        assert.isAbove(Math.max(...delays.slice(3)), windows[0]!, "later delays use the wider windows")
      }).pipe(Effect.provide(memory), Effect.withRandom(Random.make("503-seed"))))

    it.effect("the same seed gives the same delays", () =>
      Effect.gen(function*() {
        // A fresh generator per run: `Random.make` is stateful.
        const run = Effect.suspend(() => Effect.gen(function*() {
          const times: Array<number> = []
          const call = scripted([503, 503, 503, 200])
          const attempt = Effect.zipRight(
            Effect.flatMap(Effect.clockWith((clock) => clock.currentTimeMillis), (now) => Effect.sync(() => times.push(now))),
            call.attempt
          )
          const fiber = yield* Effect.fork(Retry.run(attempt, { key, idempotent: true }))
          yield* TestClock.adjust("1 minute")
          yield* Fiber.join(fiber)
          return times.map((t) => t - times[0]!)
        }).pipe(Effect.provide(memory), Effect.withRandom(Random.make(42))))
        const first = yield* run
        yield* TestClock.setTime(0)
        assert.deepStrictEqual(yield* run, first)
      }))
  })

  describe("4031 NotRegistered", () => {
    it.effect("registers once, then re-polls every 2 s until the tracking appears", () =>
      Effect.gen(function*() {
        const call = scripted([4031, 4031, 200])
        let registrations = 0
        const fiber = yield* Effect.fork(Retry.run(call.attempt, {
          key,
          idempotent: true,
          onNotRegistered: () => Effect.sync(() => void registrations++)
        }))
        yield* TestClock.adjust("1999 millis")
        assert.strictEqual(call.runs(), 1)
        assert.strictEqual(registrations, 1)
        yield* TestClock.adjust("1 millis")
        assert.strictEqual(call.runs(), 2)
        yield* TestClock.adjust("2 seconds")
        assert.strictEqual(yield* Fiber.join(fiber), "ok")
        assert.strictEqual(registrations, 1)
        assert.strictEqual(yield* Effect.flatMap(RetryBudget.RetryBudget, (b) => b.available(key)), 500)
      }).pipe(Effect.provide(memory)))

    it.effect("gives up after five re-polls", () =>
      Effect.gen(function*() {
        const call = scripted([4031])
        const fiber = yield* Effect.fork(Effect.exit(Retry.run(call.attempt, { key, idempotent: true })))
        yield* TestClock.adjust("1 minute")
        assert.strictEqual(failureTag(yield* Fiber.join(fiber)), "NotRegistered")
        assert.strictEqual(call.runs(), 6)
      }).pipe(Effect.provide(memory)))
  })

  describe("halts and failures", () => {
    it.effect("4001 halts the key: the next call fails without running its attempt", () =>
      Effect.gen(function*() {
        const first = scripted([4001])
        assert.strictEqual(failureTag(yield* Effect.exit(Retry.run(first.attempt, { key, idempotent: true }))), "InvalidApiKey")
        const second = scripted([200])
        assert.strictEqual(failureTag(yield* Effect.exit(Retry.run(second.attempt, { key, idempotent: true }))), "InvalidApiKey")
        assert.strictEqual(second.runs(), 0)
        const other = scripted([200])
        assert.strictEqual(yield* Retry.run(other.attempt, { key: "another-key", idempotent: true }), "ok")
        yield* Effect.flatMap(Gate.Gate, (gate) => gate.reset(key))
        assert.strictEqual(yield* Retry.run(second.attempt, { key, idempotent: true }), "ok")
      }).pipe(Effect.provide(memory)))

    it.effect("billing errors halt the key for ten minutes", () =>
      Effect.gen(function*() {
        yield* Effect.exit(Retry.run(scripted([4019]).attempt, { key, idempotent: true }))
        const blocked = scripted([200])
        yield* TestClock.adjust("9 minutes")
        assert.strictEqual(failureTag(yield* Effect.exit(Retry.run(blocked.attempt, { key, idempotent: true }))), "InsufficientBalance")
        yield* TestClock.adjust("1 minute")
        assert.strictEqual(yield* Retry.run(blocked.attempt, { key, idempotent: true }), "ok")
      }).pipe(Effect.provide(memory)))

    it.effect("4014 fails after exactly one attempt", () =>
      Effect.gen(function*() {
        const call = scripted([4014, 200])
        assert.strictEqual(failureTag(yield* Effect.exit(Retry.run(call.attempt, { key, idempotent: true }))), "InvalidTrackingNumber")
        assert.strictEqual(call.runs(), 1)
      }).pipe(Effect.provide(memory)))

    it.effect("500 is retried for idempotent calls only", () =>
      Effect.gen(function*() {
        const unsafe = scripted([500, 200])
        assert.strictEqual(failureTag(yield* Effect.exit(Retry.run(unsafe.attempt, { key, idempotent: false }))), "ServerError")
        assert.strictEqual(unsafe.runs(), 1)
        const safe = scripted([500, 200])
        const fiber = yield* Effect.fork(Retry.run(safe.attempt, { key, idempotent: true }))
        yield* TestClock.adjust("1 second")
        assert.strictEqual(yield* Fiber.join(fiber), "ok")
      }).pipe(Effect.provide(memory)))

    it.effect("an empty budget turns retries into immediate failures", () =>
      Effect.gen(function*() {
        const call = scripted([503, 200])
        const exit = yield* Effect.exit(Retry.run(call.attempt, { key, idempotent: true }))
        assert.strictEqual(failureTag(exit), "ServiceUnavailable")
        assert.strictEqual(call.runs(), 1)
      }).pipe(Effect.provide(Layer.merge(Gate.layerMemory, RetryBudget.layerMemoryWith({ capacity: 4 })))))
  })

  describe("services", () => {
    it.effect("a gate and budget given in the options are used instead of the context's", () =>
      Effect.gen(function*() {
        const gate = yield* Gate.makeMemory
        const budget = yield* RetryBudget.makeMemory({ capacity: 4 })
        const services = { gate, budget }
        yield* Effect.exit(Retry.run(scripted([4001]).attempt, { key, idempotent: true, services }))
        assert.strictEqual((yield* gate.state(key))._tag, "Halted", "the given gate was halted")
        const call = scripted([200])
        // The context's gate (from `memory`) never saw the halt.
        assert.strictEqual(yield* Retry.run(call.attempt, { key, idempotent: true }), "ok")
        const blocked = scripted([200])
        const exit = yield* Effect.exit(Retry.run(blocked.attempt, { key, idempotent: true, services }))
        assert.strictEqual(failureTag(exit), "InvalidApiKey")
        assert.strictEqual(blocked.runs(), 0)
        // The given budget (capacity 4) cannot pay a retry: the 503 fails at once.
        const unpaid = scripted([503, 200])
        yield* gate.reset(key)
        assert.strictEqual(failureTag(yield* Effect.exit(Retry.run(unpaid.attempt, { key, idempotent: true, services }))), "ServiceUnavailable")
        assert.strictEqual(unpaid.runs(), 1)
      }).pipe(Effect.provide(memory)))

    it.effect("with services given, no Gate or RetryBudget is needed in the context", () =>
      Effect.gen(function*() {
        const services = { gate: yield* Gate.makeMemory, budget: yield* RetryBudget.makeMemory() }
        const call: Effect.Effect<string, TrackingMoreError.TrackingMoreError> = Retry.run(scripted([200]).attempt, {
          key,
          idempotent: true,
          services
        })
        assert.strictEqual(yield* call, "ok")
      }))
  })

  describe("deadline", () => {
    it.effect("a wait that would end after the deadline fails now with the last error", () =>
      Effect.gen(function*() {
        const call = scripted([429, 200])
        const exit = yield* Effect.exit(Retry.run(call.attempt, { key, idempotent: true, deadline: "1 minute" }))
        assert.strictEqual(failureTag(exit), "TooManyRequests")
        assert.strictEqual(call.runs(), 1)
        // The cooldown was still shared: another call on the key with a short deadline fails without an attempt,
        // with DeadlineExceeded (it got no answer, so no status code would be true) saying what it waited for.
        const other = scripted([200])
        const second = yield* Effect.exit(Retry.run(other.attempt, { key, idempotent: true, deadline: "30 seconds" }))
        assert.strictEqual(failureTag(second), "DeadlineExceeded")
        assert.strictEqual(other.runs(), 0)
        if (Exit.isFailure(second) && second.cause._tag === "Fail" && second.cause.error._tag === "DeadlineExceeded") {
          assert.strictEqual(second.cause.error.waitingFor, "cooldown")
          assert.strictEqual(second.cause.error.until, 120_000)
          assert.match(second.cause.error.message, /cools down after a 429 until 1970-01-01T00:02:00\.000Z/)
        } else assert.fail("expected a DeadlineExceeded failure")
      }).pipe(Effect.provide(memory)))

    it.effect("re-polls stop at the deadline", () =>
      Effect.gen(function*() {
        const call = scripted([4031])
        const fiber = yield* Effect.fork(Effect.exit(Retry.run(call.attempt, { key, idempotent: true, deadline: "5 seconds" })))
        yield* TestClock.adjust("10 seconds")
        assert.strictEqual(failureTag(yield* Fiber.join(fiber)), "NotRegistered")
        assert.strictEqual(call.runs(), 3, "attempts at 0 s, 2 s, 4 s; a wait to 6 s would pass the deadline")
      }).pipe(Effect.provide(memory)))
  })

  describe("interruption", () => {
    it.effect("interrupting a call in the middle of a cooldown returns at once and sends nothing more", () =>
      Effect.gen(function*() {
        const call = scripted([429, 200])
        const fiber = yield* Effect.fork(Retry.run(call.attempt, { key, idempotent: true }))
        yield* TestClock.adjust("1 minute")
        const exit = yield* Fiber.interrupt(fiber)
        assert.strictEqual(failureTag(exit), "Interrupt")
        yield* TestClock.adjust("10 minutes")
        assert.strictEqual(call.runs(), 1)
      }).pipe(Effect.provide(memory)))

    it.effect("an interrupted prober hands the probe to the next caller", () =>
      Effect.gen(function*() {
        const gate = yield* Gate.Gate
        yield* gate.cooldown(key, 1_000)
        const hanging = Effect.never
        const prober = yield* Effect.fork(Retry.run(hanging, { key, idempotent: true }))
        yield* TestClock.adjust("2 seconds")
        const waiter = scripted([200])
        const waiting = yield* Effect.fork(Retry.run(waiter.attempt, { key, idempotent: true }))
        yield* TestClock.adjust("1 second")
        assert.strictEqual(waiter.runs(), 0, "waits for the prober")
        yield* Fiber.interrupt(prober)
        assert.strictEqual(yield* Fiber.join(waiting), "ok")
      }).pipe(Effect.provide(memory)))
  })
})
