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

// Exact arithmetic in these tests: no headroom unless a test asks for it.
const makeLimiter = (target = Harness.url, headroom = 0) =>
  RedisRateLimiter.make({ headroom }).pipe(
    Effect.provideServiceEffect(RedisConnection.RedisConnection, RedisConnection.make({ url: target, prefix }))
  )

describe.skipIf(!available)("RedisRateLimiter", () => {
  // What the limiter decided for the request just taken, on Redis TIME, as its scripts stored it: the instant the
  // request was due (the GCRA arrival time less the window: one token of a bucket of `limit` 1) and the instant the
  // fleet-wide spacing let it go. Measured there, not on the wall clock after the call returns, which a loaded
  // machine delays by any amount.
  const decided = (key: string, windowMillis: number) =>
    Effect.promise(() => Harness.numbersAt(prefix, [`rate:{${key}}`, `rate:{${key}}:sent`])).pipe(
      Effect.map(([arrival, sent]) => ({ due: arrival! - windowMillis, sent: sent! }))
    )

  it.scopedLive("the processes share one bucket: each request is due one interval after the previous", () =>
    Effect.gen(function*() {
      const a = yield* makeLimiter()
      const b = yield* makeLimiter()
      const take = (limiter: RateLimiter.RateLimiter) =>
        limiter.consume({ key: "k:default", limit: 1, window: "100 millis", algorithm: "token-bucket", onExceeded: "delay" })
      // With "delay" the limiter waits itself and hands back a token due now.
      const due: Array<number> = []
      const sent: Array<number> = []
      for (let i = 0; i < 6; i++) {
        const result = yield* take(i % 2 === 0 ? a : b)
        expect(Duration.toMillis(result.delay)).toBe(0)
        const decision = yield* decided("k:default", 100)
        due.push(decision.due)
        sent.push(decision.sent)
      }
      for (let i = 0; i < due.length; i++) {
        // a request leaves no earlier than it is due (a timer may fire up to 1 ms early)
        expect(sent[i]!).toBeGreaterThanOrEqual(due[i]! - 1)
        if (i === 0) continue
        // each one is due one interval after the previous, whichever process takes it (Redis ms, 3 decimals) …
        expect(due[i]! - due[i - 1]!).toBeGreaterThanOrEqual(100 - 0.002)
        // … and leaves at least one interval after the previous one left
        expect(sent[i]! - sent[0]!).toBeGreaterThanOrEqual(i * 100 - 5)
        expect(sent[i]! - sent[i - 1]!).toBeGreaterThanOrEqual(99)
      }
      const ttl = (yield* Effect.promise(() => Harness.pttls(prefix)))["rate:{k:default}"]
      expect(ttl).toBeGreaterThan(0)
      expect(ttl).toBeLessThanOrEqual(600 + 1_000 + 1)
    }))

  it.scopedLive("the fleet paces itself a little below the limit (headroom), so jitter never drains the server's tolerance", () =>
    Effect.gen(function*() {
      const limiter = yield* makeLimiter(Harness.url, 0.1)
      const take = () =>
        limiter.consume({ key: "k:headroom", limit: 1, window: "100 millis", algorithm: "token-bucket", onExceeded: "delay" })
      yield* take()
      const first = yield* decided("k:headroom", 110)
      yield* take()
      const second = yield* decided("k:headroom", 110)
      // the second is due exactly one stretched interval (110 ms) after the first, and leaves no earlier
      expect(second.due - first.due).toBeGreaterThanOrEqual(110 - 0.002)
      expect(second.due - first.due).toBeLessThanOrEqual(110 + 0.002)
      expect(second.sent - first.sent).toBeGreaterThanOrEqual(110 - 1)
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
      yield* a.consume({ key: "k", limit: 1, window: "100 millis", onExceeded: "delay" })
      const first = Date.now()
      yield* a.consume({ key: "k", limit: 1, window: "100 millis", onExceeded: "delay" })
      expect(Date.now() - first).toBeGreaterThan(90)
    }))
})
