import { describe, expect, it } from "@effect/vitest"
import * as TrackingMoreError from "@trackingmore-effect/core/TrackingMoreError"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import { afterAll } from "vitest"
import * as RedisConnection from "../src/RedisConnection.js"
import * as RedisGate from "../src/RedisGate.js"
import * as Harness from "./utils/redis.js"

const available = await Harness.available()
const prefix = Harness.uniquePrefix("gate-status")
// glob characters in a prefix match only themselves
const globPrefix = Harness.uniquePrefix("gate[status]*")
afterAll(() => Promise.all([Harness.cleanup(prefix), Harness.cleanup(globPrefix)]))

const connection = (keyPrefix: string) => RedisConnection.make({ url: Harness.url, prefix: keyPrefix })

describe.skipIf(!available)("RedisGate.status and RedisGate.list", () => {
  it.scopedLive("tell every key's cooldown, probe, halt with its error, reset marker and TTLs, and change nothing", () =>
    Effect.gen(function*() {
      const redis = yield* connection(prefix)
      const gate = yield* RedisGate.make().pipe(Effect.provideService(RedisConnection.RedisConnection, redis))
      const now = Date.now()
      yield* gate.cooldown("aaaa000000000001", now + 60_000)
      yield* gate.halt("aaaa000000000002", TrackingMoreError.fromCode(4001), undefined)
      yield* gate.halt("aaaa000000000003", TrackingMoreError.fromCode(4019), Duration.minutes(10))
      yield* gate.cooldown("aaaa000000000004", now + 60_000)
      yield* gate.reset("aaaa000000000004")
      // another prefix is not listed
      const other = yield* connection(globPrefix)
      const otherGate = yield* RedisGate.make().pipe(Effect.provideService(RedisConnection.RedisConnection, other))
      yield* otherGate.cooldown("bbbb000000000001", now + 60_000)

      const all = yield* RedisGate.list.pipe(Effect.provideService(RedisConnection.RedisConnection, redis))
      expect(all.map((s) => s.key)).toEqual(["aaaa000000000001", "aaaa000000000002", "aaaa000000000003", "aaaa000000000004"])
      const [cooling, haltedForGood, haltedForTen, reset] = all
      expect(Math.abs(cooling!.coolingUntil! - (now + 60_000))).toBeLessThan(100)
      expect(cooling!.probeNeeded).toBe(true)
      expect(cooling!.halt).toBeUndefined()
      // the hash lives until the end of the cooldown plus the margin (60 s)
      expect(cooling!.ttls.gate).toBeGreaterThan(110_000)
      expect(cooling!.ttls.gate).toBeLessThanOrEqual(120_000)

      expect(haltedForGood!.halt?.error._tag).toBe("InvalidApiKey")
      expect(haltedForGood!.halt?.until).toBeUndefined()
      // a halt until reset is kept at most a day
      expect(haltedForGood!.halt!.ttl).toBeGreaterThan(86_300_000)
      expect(haltedForGood!.coolingUntil).toBeUndefined()

      expect(haltedForTen!.halt?.error._tag).toBe("InsufficientBalance")
      expect(Math.abs(haltedForTen!.halt!.until! - (now + 600_000))).toBeLessThan(200)
      expect(haltedForTen!.probeNeeded).toBe(true)

      expect(reset!.coolingUntil).toBeUndefined()
      expect(reset!.halt).toBeUndefined()
      expect(reset!.resetAt).toBeGreaterThanOrEqual(now - 100)
      expect(reset!.ttls.reset).toBeGreaterThan(0)
      expect(reset!.ttls.gate).toBeUndefined()

      // reading twice changes nothing
      const again = yield* RedisGate.list.pipe(Effect.provideService(RedisConnection.RedisConnection, redis))
      expect(again.map((s) => [s.key, s.halt?.error._tag, s.coolingUntil !== undefined])).toEqual(
        all.map((s) => [s.key, s.halt?.error._tag, s.coolingUntil !== undefined])
      )
      const otherList = yield* RedisGate.list.pipe(Effect.provideService(RedisConnection.RedisConnection, other))
      expect(otherList.map((s) => s.key)).toEqual(["bbbb000000000001"])
    }))

  it.scopedLive("a probe in flight shows its lease", () =>
    Effect.gen(function*() {
      const redis = yield* connection(prefix)
      const gate = yield* RedisGate.make({ leaseDuration: Duration.seconds(15) }).pipe(
        Effect.provideService(RedisConnection.RedisConnection, redis)
      )
      yield* gate.cooldown("aaaa000000000005", Date.now() + 50)
      yield* Effect.sleep(Duration.millis(80))
      expect(yield* gate.await("aaaa000000000005")).toBe("probe")
      const status = yield* RedisGate.status("aaaa000000000005").pipe(Effect.provideService(RedisConnection.RedisConnection, redis))
      expect(status.probeLease).toBeGreaterThan(10_000)
      expect(status.probeLease).toBeLessThanOrEqual(15_000)
      yield* gate.settle("aaaa000000000005", true)
      const settled = yield* RedisGate.status("aaaa000000000005").pipe(Effect.provideService(RedisConnection.RedisConnection, redis))
      expect(settled.probeLease).toBeUndefined()
      expect(settled.probeNeeded).toBe(false)
    }))
})

describe("RedisGate.list without Redis", () => {
  it.scopedLive("fails with RedisUnavailable instead of answering as if no key had state", () =>
    Effect.gen(function*() {
      const redis = yield* RedisConnection.make({ url: "redis://127.0.0.1:1", prefix })
      const error = yield* Effect.flip(RedisGate.list.pipe(Effect.provideService(RedisConnection.RedisConnection, redis)))
      expect(error._tag).toBe("RedisUnavailable")
    }).pipe(Logger.withMinimumLogLevel(LogLevel.None)))
})
