import { assert, describe, it } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as fc from "effect/FastCheck"
import * as Fiber from "effect/Fiber"
import * as TestClock from "effect/TestClock"
import * as Policy from "../src/Policy.js"
import * as Retry from "../src/Retry.js"
import * as StatusCode from "../src/StatusCode.js"
import * as TrackingMoreError from "../src/TrackingMoreError.js"
import { runInstant } from "./utils/instantClock.js"
import { memory, scripted } from "./utils/scripted.js"

const errorCodes = StatusCode.all.filter((e) => e.category !== "success").map((e) => e.code)
const retryableTags = new Set(["TooManyRequests", "ServiceUnavailable", "ServerError", "NotRegistered"])
const failFastCodes = StatusCode.all.filter((e) => e.category !== "success" && !retryableTags.has(e.tag)).map((e) => e.code)

/** The most attempts one tag can cause under the defaults. */
const maxAttempts = (tag: string): number => {
  switch (tag) {
    case "TooManyRequests":
      return 1 + Policy.defaults.tooManyRequests.maxCooldowns
    case "ServiceUnavailable":
      return 1 + Policy.defaults.serviceUnavailable.maxRetries
    case "ServerError":
      return 1 + Policy.defaults.serverError.maxRetries
    case "NotRegistered":
      return 1 + Policy.defaults.notRegistered.maxRepolls
    default:
      return 1
  }
}

const state = (overrides: Partial<Policy.AttemptState> = {}): Policy.AttemptState => ({
  ...Policy.initialState(true),
  attempt: 1,
  ...overrides
})

describe("Policy", () => {
  describe("defaults (the documented policy)", () => {
    const decide = (code: number, s = state()) => Effect.runSync(Policy.decide(TrackingMoreError.fromCode(code), s))

    it("429 cools the key for two minutes, at most five times", () => {
      assert.deepStrictEqual(decide(429), Policy.Decision.Cooldown({ delay: Duration.minutes(2) }))
      assert.strictEqual(decide(429, state({ cooldowns: 5 }))._tag, "Fail")
    })
    it("4031 re-polls every two seconds, at most five times", () => {
      assert.deepStrictEqual(decide(4031), Policy.Decision.Repoll({ delay: Duration.seconds(2) }))
      assert.strictEqual(decide(4031, state({ repolls: 5 }))._tag, "Fail")
    })
    it("auth errors halt until reset, billing errors for ten minutes", () => {
      for (const code of [401, 4001, 4002, 403]) {
        assert.deepStrictEqual(decide(code), Policy.Decision.Halt({ duration: undefined }))
      }
      for (const code of [402, 4019, 4021]) {
        assert.deepStrictEqual(decide(code), Policy.Decision.Halt({ duration: Duration.minutes(10) }))
      }
    })
    it("500 retries only idempotent calls", () => {
      assert.strictEqual(decide(500)._tag, "Retry")
      assert.strictEqual(decide(500, state({ idempotent: false }))._tag, "Fail")
    })
    it("unreadable answers retry when the body was lost on the way, or when the server erred", () => {
      const run = (status: number, kind: TrackingMoreError.MalformedKind, idempotent = true) =>
        Effect.runSync(Policy.decide(TrackingMoreError.malformed(status, kind, ""), state({ idempotent })))._tag
      for (const kind of ["empty", "html", "invalid-json"] as const) {
        assert.strictEqual(run(200, kind), "Retry", kind)
        assert.strictEqual(run(200, kind, false), "Fail", `${kind}, not idempotent`)
      }
      assert.strictEqual(run(502, "no-envelope"), "Retry")
      assert.strictEqual(run(200, "no-envelope"), "Fail")
      assert.strictEqual(run(200, "unexpected-shape"), "Fail")
    })
    it("everything else fails at once", () => {
      for (const code of failFastCodes.filter((c) => ![401, 4001, 4002, 403, 402, 4019, 4021].includes(c))) {
        assert.strictEqual(decide(code)._tag, "Fail", `code ${code}`)
      }
      assert.strictEqual(decide(4999)._tag, "Fail")
    })
    it("overrides replace only what they name", () => {
      const config = Policy.config({ tooManyRequests: { wait: "5 minutes" }, authHalt: "1 hour", billingHalt: null })
      assert.deepStrictEqual(config.tooManyRequests, { wait: Duration.minutes(5), maxCooldowns: 5 })
      assert.deepStrictEqual(config.authHalt, Duration.hours(1))
      assert.isUndefined(config.billingHalt)
      assert.deepStrictEqual(config.serviceUnavailable, Policy.defaults.serviceUnavailable)
    })
  })

  describe("schedules for plain Effect.retry", () => {
    it.effect("the combined schedule follows the policy and stops on Fail", () =>
      Effect.gen(function*() {
        const call = scripted([503, 4031, 200])
        const fiber = yield* Effect.fork(Effect.retry(call.attempt, Policy.schedule()))
        yield* TestClock.adjust("10 seconds")
        assert.strictEqual(yield* Fiber.join(fiber), "ok")
        const failing = scripted([4014, 200])
        const error = yield* Effect.flip(Effect.retry(failing.attempt, Policy.schedule()))
        assert.strictEqual(error._tag, "InvalidTrackingNumber")
        assert.strictEqual(failing.runs(), 1)
      }))

    it.effect("a tag's own schedule retries only that tag", () =>
      Effect.gen(function*() {
        const call = scripted([503, 500, 200])
        const fiber = yield* Effect.fork(Effect.flip(Effect.retry(call.attempt, Policy.scheduleFor("ServiceUnavailable"))))
        yield* TestClock.adjust("10 seconds")
        const error = yield* Fiber.join(fiber)
        assert.strictEqual(error._tag, "ServerError")
        assert.strictEqual(call.runs(), 2)
      }))
  })

  describe("properties", () => {
    it.prop("429 waits at least max(120 s, Retry-After)", [
      fc.option(fc.integer({ min: 0, max: 3600 }), { nil: undefined }),
      fc.integer({ min: 0, max: 4 })
    ], ([retryAfter, cooldowns]) =>
      Effect.runSync(Effect.gen(function*() {
        const error = TrackingMoreError.fromCode(429, retryAfter === undefined ? {} : { retryAfter: Duration.seconds(retryAfter) })
        const decision = yield* Policy.decide(error, state({ cooldowns }))
        assert.strictEqual(decision._tag, "Cooldown")
        const delay = Duration.toMillis(Policy.delayOf(decision)!)
        assert.isAtLeast(delay, Math.max(120_000, (retryAfter ?? 0) * 1000))
      })), { fastCheck: { numRuns: 1000 } })

    it.prop("503 delays stay in [Retry-After floor, max(floor, min(30 s, 1 s·2ⁿ))]", [
      fc.integer({ min: 0, max: 5 }),
      fc.option(fc.integer({ min: 0, max: 60 }), { nil: undefined })
    ], ([retries, retryAfter]) =>
      Effect.runSync(Effect.gen(function*() {
        const error = TrackingMoreError.fromCode(503, retryAfter === undefined ? {} : { retryAfter: Duration.seconds(retryAfter) })
        const decision = yield* Policy.decide(error, state({ retries }))
        const delay = Duration.toMillis(Policy.delayOf(decision)!)
        const floor = (retryAfter ?? 0) * 1000
        assert.isAtLeast(delay, floor)
        assert.isAtMost(delay, Math.max(floor, Math.min(30_000, 1000 * 2 ** retries)))
      })), { fastCheck: { numRuns: 1000 } })

    it.prop("non-retryable tags get exactly one attempt", [fc.constantFrom(...failFastCodes), fc.boolean()], ([code, idempotent]) =>
      runInstant(() =>
        Effect.gen(function*() {
          const call = scripted([code, 200])
          const error = yield* Effect.flip(Retry.run(call.attempt, { key: "k", idempotent }))
          assert.strictEqual(error._tag, StatusCode.lookup(code)!.tag)
          assert.strictEqual(call.runs(), 1)
        }).pipe(Effect.provide(memory))
      ), { fastCheck: { numRuns: 1000 } })

    it.prop("attempts never exceed the tag's maximum", [
      fc.array(fc.constantFrom(...errorCodes), { minLength: 1, maxLength: 12 }),
      fc.boolean()
    ], ([codes, idempotent]) =>
      runInstant(() =>
        Effect.gen(function*() {
          const call = scripted(codes)
          // Every script ends in an error code, so the call fails (Effect.flip fails the property with the value if not).
          yield* Effect.flip(Retry.run(call.attempt, { key: "k", idempotent, deadline: "1 hour" }))
          // With one tag repeating, its own maximum bounds the attempts; mixed scripts stay within the sum.
          const bound = new Set(codes).size === 1
            ? maxAttempts(StatusCode.lookup(codes[0]!)!.tag)
            : errorCodes.reduce((sum, c) => sum + maxAttempts(StatusCode.lookup(c)!.tag) - 1, 1)
          assert.isAtMost(call.runs(), bound)
        }).pipe(Effect.provide(memory))
      ), { fastCheck: { numRuns: 1000 } })

    it.prop("total sleep never passes the deadline", [
      fc.array(fc.constantFrom(429, 503, 500, 4031, 200), { minLength: 1, maxLength: 10 }),
      fc.integer({ min: 1, max: 900 })
    ], ([codes, deadlineSeconds]) =>
      runInstant((clock) =>
        Effect.gen(function*() {
          const call = scripted(codes)
          yield* Effect.exit(Retry.run(call.attempt, { key: "k", idempotent: true, deadline: Duration.seconds(deadlineSeconds) }))
          assert.isAtMost(clock.now(), deadlineSeconds * 1000, "the call ended no later than its deadline")
        }).pipe(Effect.provide(memory))
      ), { fastCheck: { numRuns: 1000 } })
  })
})

describe("rules for what repeating cannot fix", () => {
  it.effect("a request that could not be sent, or a body over the size limit, fails at once", () =>
    Effect.gen(function*() {
      const unsent = TrackingMoreError.transport("invalid-request", undefined, {}, "Invalid URL")
      assert.match(unsent.message, /could not be sent \(nothing reached the server\): Invalid URL\./)
      assert.strictEqual((yield* Policy.decide(unsent, state(), Policy.defaults))._tag, "Fail")
      const tooLarge = TrackingMoreError.malformed(503, "too-large", "")
      assert.strictEqual((yield* Policy.decide(tooLarge, state(), Policy.defaults))._tag, "Fail")
      // The same status with a body lost on the way is still retried.
      const lost = TrackingMoreError.malformed(503, "html", "<html>")
      assert.strictEqual((yield* Policy.decide(lost, state(), Policy.defaults))._tag, "Retry")
      const late = TrackingMoreError.deadlineExceeded("rate-limit", 60_000)
      assert.strictEqual((yield* Policy.decide(late, state(), Policy.defaults))._tag, "Fail")
    }))
})
