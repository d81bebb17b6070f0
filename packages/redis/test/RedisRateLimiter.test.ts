import * as RateLimiter from "@effect/experimental/RateLimiter"
import * as RateLimit from "@trackingmore-effect/core/RateLimit"
import { describe, expect, it } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import { afterAll } from "vitest"
import * as RedisConnection from "../src/RedisConnection.js"
import * as RedisRateLimiter from "../src/RedisRateLimiter.js"
import * as Harness from "./utils/redis.js"

const available = await Harness.available()
const prefix = Harness.uniquePrefix("rate")
afterAll(() => Harness.cleanup(prefix))

const makeLimiter = (target = Harness.url) =>
  RedisRateLimiter.make.pipe(
    Effect.provideServiceEffect(RedisConnection.RedisConnection, RedisConnection.make({ url: target, prefix }))
  )

describe.skipIf(!available)("RedisRateLimiter", () => {
  // The bucket's theoretical arrival time on Redis TIME, as the script stored it.
  const arrival = (key: string) =>
    Effect.promise(() => Harness.numbersAt(prefix, [`rate:{${key}}`])).pipe(Effect.map(([tat]) => tat!))

  it.scopedLive("the processes share one bucket: with \"fail\" a token is granted now or the wait is answered", () =>
    Effect.gen(function*() {
      const a = yield* makeLimiter()
      const b = yield* makeLimiter()
      const options = { key: "k:fail", limit: 1, window: "1 second", onExceeded: "fail" } as const
      const first = yield* a.consume(options)
      expect(Duration.toMillis(first.delay)).toBe(0)
      // the other process is refused, told how long until the token is due, and nothing is booked for it
      const before = yield* arrival("k:fail")
      const refused = yield* Effect.flip(b.consume(options))
      expect(refused.reason).toBe("Exceeded")
      if (refused.reason === "Exceeded") {
        expect(Duration.toMillis(refused.retryAfter)).toBeGreaterThan(900)
        expect(Duration.toMillis(refused.retryAfter)).toBeLessThanOrEqual(1000)
      }
      expect(yield* arrival("k:fail")).toBe(before)
      const ttl = (yield* Effect.promise(() => Harness.pttls(prefix)))["rate:{k:fail}"]
      expect(ttl).toBeGreaterThan(0)
      expect(ttl).toBeLessThanOrEqual(1000 + 1000 + 1)
    }))

  it.scopedLive("with \"delay\" each request is booked one interval after the previous, whichever process takes it", () =>
    Effect.gen(function*() {
      const a = yield* makeLimiter()
      const b = yield* makeLimiter()
      const delays: Array<number> = []
      for (let i = 0; i < 6; i++) {
        const limiter = i % 2 === 0 ? a : b
        const result = yield* limiter.consume({ key: "k:delay", limit: 1, window: "10 seconds", onExceeded: "delay" })
        delays.push(Duration.toMillis(result.delay))
      }
      expect(delays[0]).toBe(0)
      // the limiter never sleeps: it hands back the wait (Redis ms; a few ms pass between the calls)
      for (let i = 1; i < delays.length; i++) {
        expect(delays[i]!).toBeGreaterThan(i * 10_000 - 200)
        expect(delays[i]!).toBeLessThanOrEqual(i * 10_000)
      }
    }))

  it.scopedLive("a burst of `limit` passes at once; onExceeded fail refuses the next without booking it", () =>
    Effect.gen(function*() {
      const a = yield* makeLimiter()
      const take = a.consume({ key: "burst", limit: 3, window: "1 second", onExceeded: "fail" })
      yield* take
      yield* take
      const third = yield* take
      expect(third.remaining).toBe(0)
      const error = yield* Effect.flip(take)
      expect(error.reason).toBe("Exceeded")
      if (error.reason === "Exceeded") {
        expect(Duration.toMillis(error.retryAfter)).toBeGreaterThan(200)
        expect(Duration.toMillis(error.retryAfter)).toBeLessThanOrEqual(334)
      }
      // more tokens than the limit can never pass
      expect((yield* Effect.flip(a.consume({ key: "burst", limit: 3, window: "1 second", tokens: 4 }))).reason)
        .toBe("Exceeded")
    }))

  it.scopedLive("core's rate-limit step over two processes' limiters grants turns at least one interval apart on Redis TIME", () =>
    Effect.gen(function*() {
      const limiters = yield* Effect.all([makeLimiter(), makeLimiter()])
      const steps = yield* Effect.forEach(limiters, (limiter) =>
        RateLimit.make({ limiter, key: "k:step", rate: { limit: 1, window: "40 millis" }, headroom: 0 }))
      yield* steps[0]!.take(Number.POSITIVE_INFINITY)
      const first = yield* arrival("k:step")
      const started = Date.now()
      yield* Effect.forEach(
        Array.from({ length: 9 }, (_, i) => i),
        (i) => steps[i % 2]!.take(Number.POSITIVE_INFINITY),
        { concurrency: "unbounded" }
      )
      // every grant moved the shared bucket on by one interval, whichever process asked …
      expect((yield* arrival("k:step")) - first).toBeGreaterThanOrEqual(9 * 40 - 0.01)
      // … and the callers slept for it rather than being let through early (timers may fire a little early)
      expect(Date.now() - started).toBeGreaterThanOrEqual(8 * 40)
    }))

  it.scopedLive("without Redis the process limits itself in memory", () =>
    Effect.gen(function*() {
      const a = yield* makeLimiter("redis://127.0.0.1:6391")
      yield* a.consume({ key: "k", limit: 1, window: "100 millis", onExceeded: "delay" })
      const second = yield* a.consume({ key: "k", limit: 1, window: "100 millis", onExceeded: "delay" })
      expect(Duration.toMillis(second.delay)).toBeGreaterThan(90)
      const refused = yield* Effect.flip(a.consume({ key: "k", limit: 1, window: "100 millis", onExceeded: "fail" }))
      expect(refused).toBeInstanceOf(RateLimiter.RateLimitExceeded)
    }))
})
