import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { afterAll } from "vitest"
import * as RedisConnection from "../src/RedisConnection.js"
import * as RedisRetryBudget from "../src/RedisRetryBudget.js"
import * as Harness from "./utils/redis.js"

const available = await Harness.available()
const prefix = Harness.uniquePrefix("budget")
afterAll(() => Harness.cleanup(prefix))

const makeBudget = (options: RedisRetryBudget.Options = {}, target = Harness.url) =>
  RedisRetryBudget.make(options).pipe(
    Effect.provideServiceEffect(RedisConnection.RedisConnection, RedisConnection.make({ url: target, prefix }))
  )

describe.skipIf(!available)("RedisRetryBudget", () => {
  it.scopedLive("one budget per key for every process, never above capacity", () =>
    Effect.gen(function*() {
      const a = yield* makeBudget({ capacity: 20 })
      const b = yield* makeBudget({ capacity: 20 })
      expect(yield* b.available("k")).toBe(20)
      expect(yield* a.withdraw("k", "retry")).toBe(true)
      expect(yield* b.available("k")).toBe(15)
      expect(yield* b.withdraw("k", "timeout")).toBe(true)
      expect(yield* a.available("k")).toBe(5)
      expect(yield* a.withdraw("k", "timeout")).toBe(false)
      expect(yield* a.available("k")).toBe(5)
      for (let i = 0; i < 30; i++) yield* b.deposit("k")
      expect(yield* a.available("k")).toBe(20)
      // a full budget leaves no key behind
      expect((yield* Effect.promise(() => Harness.pttls(prefix)))["budget:{k}"]).toBeUndefined()
    }))

  it.scopedLive("withdrawals are atomic under contention", () =>
    Effect.gen(function*() {
      const budgets = yield* Effect.all([makeBudget({ capacity: 50 }), makeBudget({ capacity: 50 })])
      const results = yield* Effect.all(
        Array.from({ length: 40 }, (_, i) => budgets[i % 2]!.withdraw("contended", "retry")),
        { concurrency: "unbounded" }
      )
      expect(results.filter(Boolean).length).toBe(10)
      expect(yield* budgets[0].available("contended")).toBe(0)
    }))

  it.scopedLive("a budget below capacity expires after its TTL", () =>
    Effect.gen(function*() {
      const a = yield* makeBudget({ ttl: "1 hour" })
      yield* a.withdraw("ttl", "retry")
      const ttl = (yield* Effect.promise(() => Harness.pttls(prefix)))["budget:{ttl}"]
      expect(ttl).toBeGreaterThan(3_590_000)
      expect(ttl).toBeLessThanOrEqual(3_600_000)
    }))

  it.scopedLive("without Redis the process keeps an in-memory budget", () =>
    Effect.gen(function*() {
      const a = yield* makeBudget({ capacity: 10 }, "redis://127.0.0.1:6391")
      expect(yield* a.withdraw("k", "retry")).toBe(true)
      expect(yield* a.available("k")).toBe(5)
    }))
})
