import type * as RateLimiter from "@effect/experimental/RateLimiter"
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
  it.scopedLive("the processes share one bucket: each request is booked one interval after the previous", () =>
    Effect.gen(function*() {
      const a = yield* makeLimiter()
      const b = yield* makeLimiter()
      const take = (limiter: RateLimiter.RateLimiter) =>
        limiter.consume({ key: "k:default", limit: 1, window: "100 millis", algorithm: "token-bucket", onExceeded: "delay" })
      const delays: Array<number> = []
      for (let i = 0; i < 6; i++) delays.push(Duration.toMillis((yield* take(i % 2 === 0 ? a : b)).delay))
      expect(delays[0]).toBe(0)
      for (let i = 1; i < delays.length; i++) {
        // exact booking: the i-th request waits i intervals, less the few ms the calls themselves took
        expect(delays[i]!).toBeGreaterThan(i * 100 - 30)
        expect(delays[i]!).toBeLessThanOrEqual(i * 100 + 1)
      }
      const ttl = (yield* Effect.promise(() => Harness.pttls(prefix)))["rate:{k:default}"]
      expect(ttl).toBeGreaterThan(0)
      expect(ttl).toBeLessThanOrEqual(600 + 1_000 + 1)
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

  it.scopedLive("a fleet of limiters keeps the combined rate", () =>
    Effect.gen(function*() {
      const limiters = yield* Effect.all([makeLimiter(), makeLimiter(), makeLimiter(), makeLimiter()])
      const sent: Array<number> = []
      const start = Date.now()
      yield* Effect.all(
        Array.from({ length: 20 }, (_, i) =>
          limiters[i % 4]!.consume({ key: "fleet", limit: 1, window: "20 millis", onExceeded: "delay" }).pipe(
            Effect.flatMap((r) => Effect.sleep(r.delay)),
            Effect.tap(() => Effect.sync(() => sent.push(Date.now() - start)))
          )),
        { concurrency: "unbounded" }
      )
      sent.sort((x, y) => x - y)
      expect(sent[sent.length - 1]!).toBeGreaterThanOrEqual(19 * 20 - 5)
    }))

  it.scopedLive("without Redis the process limits itself in memory", () =>
    Effect.gen(function*() {
      const a = yield* makeLimiter("redis://127.0.0.1:6391")
      const first = yield* a.consume({ key: "k", limit: 1, window: "100 millis", onExceeded: "delay" })
      const second = yield* a.consume({ key: "k", limit: 1, window: "100 millis", onExceeded: "delay" })
      expect(Duration.toMillis(first.delay)).toBe(0)
      expect(Duration.toMillis(second.delay)).toBeGreaterThan(90)
    }))
})
