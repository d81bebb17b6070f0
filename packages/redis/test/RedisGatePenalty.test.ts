import { describe, expect, it } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import { afterAll } from "vitest"
import * as RedisConnection from "../src/RedisConnection.js"
import * as RedisGate from "../src/RedisGate.js"
import * as Harness from "./utils/redis.js"

// One cooldown per penalty over real Redis: every gate here is a process of its own (its own connection and
// knowledge), as the processes of a fleet are.

const available = await Harness.available()
const prefix = Harness.uniquePrefix("gate-penalty")
afterAll(() => Harness.cleanup(prefix))

/** A process on a given Redis: its gate, and its connection (for status, and to wait until it has reconnected). */
const makeProcess = (target = Harness.url, options: RedisGate.Options = {}) =>
  Effect.gen(function*() {
    const connection = yield* RedisConnection.make({ url: target, prefix })
    const gate = yield* RedisGate.make({ pollInterval: Duration.millis(10), ...options }).pipe(
      Effect.provideService(RedisConnection.RedisConnection, connection)
    )
    const status = (key: string) =>
      RedisGate.status(key).pipe(Effect.provideService(RedisConnection.RedisConnection, connection), Effect.orDie)
    return { gate, connection, status }
  })

/** Until the connection answers again (ioredis reconnects in the background). */
const reconnected = (connection: RedisConnection.Service) =>
  connection.use((client) => client.ping()).pipe(
    Effect.retry({ schedule: Schedule.spaced(Duration.millis(50)), times: 100 }),
    Effect.orDie
  )

const now = Effect.sync(() => Date.now())
const coolOf = (key: string, target = Harness.url) => Effect.promise(() => Harness.coolOf(prefix, key, target))

describe.skipIf(!available)("RedisGate: one cooldown per penalty", () => {
  it.scopedLive("a 429 to a request sent before the cooldown began, in another process, is an echo: the cooldown does not move", () =>
    Effect.gen(function*() {
      const a = yield* makeProcess()
      const b = yield* makeProcess()
      const key = "echo-before"
      const sent = yield* now
      // both sent at about the same time; a's answer comes first and starts the cooldown
      yield* a.gate.cooldown(key, sent + 1_000, { sentAt: sent })
      const stored = yield* coolOf(key)
      yield* Effect.sleep(Duration.millis(500))
      // b's echo would end the cooldown 1.5 s after `sent` if it counted
      yield* b.gate.cooldown(key, (yield* now) + 1_000, { sentAt: sent - 5 })
      expect(yield* coolOf(key)).toBe(stored)
      const state = yield* b.gate.state(key)
      expect(state._tag).toBe("Cooling")
      if (state._tag === "Cooling") {
        expect(state.until).toBeGreaterThanOrEqual(sent + 990)
        expect(state.until).toBeLessThan(sent + 1_300)
      }
      // b is released when the first penalty ends, not 1 s after its echo
      expect(yield* b.gate.await(key)).toBe("probe")
      const released = yield* now
      expect(released).toBeGreaterThanOrEqual(sent + 990)
      expect(released).toBeLessThan(sent + 1_400)
      yield* b.gate.settle(key, true)
      expect(yield* a.gate.await(key)).toBe("open")
      expect((yield* a.status(key)).extendsPenalty).toBe(false)
    }))

  it.scopedLive("a 429 to a request sent during the cooldown (a race) is an echo too", () =>
    Effect.gen(function*() {
      const a = yield* makeProcess()
      const b = yield* makeProcess()
      const key = "echo-race"
      const t = yield* now
      yield* a.gate.cooldown(key, t + 800, { sentAt: t })
      const stored = yield* coolOf(key)
      yield* Effect.sleep(Duration.millis(100))
      const raced = yield* now
      yield* Effect.sleep(Duration.millis(100))
      yield* b.gate.cooldown(key, (yield* now) + 800, { sentAt: raced })
      expect(yield* coolOf(key)).toBe(stored)
    }))

  it.scopedLive("a 429 to the probe, sent after the cooldown ended, starts a new cooldown", () =>
    Effect.gen(function*() {
      const a = yield* makeProcess()
      const b = yield* makeProcess()
      const key = "probe-429"
      const t = yield* now
      yield* a.gate.cooldown(key, t + 200, { sentAt: t })
      const first = yield* coolOf(key)
      expect(yield* b.gate.await(key)).toBe("probe")
      const probeSent = yield* now
      yield* b.gate.cooldown(key, probeSent + 400, { sentAt: probeSent })
      yield* b.gate.settle(key, true)
      expect(yield* coolOf(key)).toBeGreaterThan(first + 350)
      const state = yield* a.gate.state(key)
      expect(state._tag).toBe("Cooling")
      if (state._tag === "Cooling") expect(state.until).toBeGreaterThanOrEqual(probeSent + 380)
      // no echo came before the probe's 429: nothing says the server extends
      expect((yield* a.status(key)).extendsPenalty).toBe(false)
    }))

  it.scopedLive("without sentAt every 429 counts, as before: the later end wins", () =>
    Effect.gen(function*() {
      const a = yield* makeProcess()
      const b = yield* makeProcess()
      const key = "no-sent-at"
      const t = yield* now
      yield* a.gate.cooldown(key, t + 300)
      yield* Effect.sleep(Duration.millis(100))
      yield* b.gate.cooldown(key, (yield* now) + 300)
      const state = yield* a.gate.state(key)
      expect(state._tag).toBe("Cooling")
      if (state._tag === "Cooling") expect(state.until).toBeGreaterThanOrEqual(t + 390)
    }))

  it.scopedLive("the send instant is compared on Redis TIME: a process whose clock is off tells echoes and new penalties apart all the same", () =>
    Effect.gen(function*() {
      const a = yield* makeProcess()
      const behind = yield* makeProcess()
      const ahead = yield* makeProcess()
      const key = "echo-skew"
      const t = yield* now
      yield* a.gate.cooldown(key, t + 400, { sentAt: t })
      const stored = yield* coolOf(key)
      // 'behind' is 60 s late: its request, sent when a's was, carries a sentAt 60 s in the real past, and its until
      // is 400 ms after its own now; both are taken relative to its now, so it is an echo.
      const late = Harness.skewedClock(-60_000)
      yield* behind.gate.cooldown(key, Date.now() - 60_000 + 400, { sentAt: t - 60_000 }).pipe(Effect.withClock(late))
      expect(yield* coolOf(key)).toBe(stored)
      // 'ahead' is 60 s early: its probe, sent after the cooldown ended, starts a new cooldown.
      const early = Harness.skewedClock(60_000)
      expect(yield* ahead.gate.await(key).pipe(Effect.withClock(early))).toBe("probe")
      const probeSent = Date.now() + 60_000
      yield* ahead.gate.cooldown(key, probeSent + 400, { sentAt: probeSent }).pipe(Effect.withClock(early))
      yield* ahead.gate.settle(key, true)
      expect(yield* coolOf(key)).toBeGreaterThan(stored + 350)
    }))

  it.scopedLive("a probe answered 429 before the end the echoes asked for: the fleet learns that the server extends, and echoes count from then on", () =>
    Effect.gen(function*() {
      const a = yield* makeProcess()
      const b = yield* makeProcess()
      const key = "extends"
      const t = yield* now
      yield* a.gate.cooldown(key, t + 400, { sentAt: t })
      const first = yield* coolOf(key)
      yield* Effect.sleep(Duration.millis(200))
      // b's echo: a server that extends keeps the penalty until about t + 1200
      yield* b.gate.cooldown(key, (yield* now) + 1_000, { sentAt: t })
      expect(yield* coolOf(key)).toBe(first)
      expect(yield* a.gate.await(key)).toBe("probe")
      const probeSent = yield* now
      expect(probeSent).toBeLessThan(t + 1_150)
      yield* a.gate.cooldown(key, probeSent + 300, { sentAt: probeSent })
      yield* a.gate.settle(key, true)
      const status = yield* b.status(key)
      expect(status.extendsPenalty).toBe(true)
      // kept as long as untilResetTtl (a day by default)
      expect(status.ttls.gate).toBeGreaterThan(23 * 3600_000)
      // an echo of this penalty, from a process that never saw the probe, now pushes the cooldown later
      const second = yield* coolOf(key)
      const c = yield* makeProcess()
      yield* Effect.sleep(Duration.millis(250))
      yield* c.gate.cooldown(key, (yield* now) + 300, { sentAt: probeSent - 1 })
      expect(yield* coolOf(key)).toBeGreaterThan(second + 150)
      // a reset in any process forgets it everywhere
      yield* b.gate.reset(key)
      expect((yield* a.status(key)).extendsPenalty).toBe(false)
      const u = yield* now
      yield* a.gate.cooldown(key, u + 300, { sentAt: u })
      const afterReset = yield* coolOf(key)
      yield* Effect.sleep(Duration.millis(50))
      yield* a.gate.cooldown(key, (yield* now) + 300, { sentAt: u })
      expect(yield* coolOf(key)).toBe(afterReset)
      expect((yield* c.status(key)).extendsPenalty).toBe(false)
    }))

  it.scopedLive("once a probe is answered without a 429, a later 429 is a new penalty and tells nothing about extension", () =>
    Effect.gen(function*() {
      const a = yield* makeProcess()
      const b = yield* makeProcess()
      const key = "probe-ok"
      const t = yield* now
      yield* a.gate.cooldown(key, t + 200, { sentAt: t })
      yield* Effect.sleep(Duration.millis(100))
      // an echo that a server that extends would keep until about t + 1100
      yield* b.gate.cooldown(key, (yield* now) + 1_000, { sentAt: t })
      expect(yield* a.gate.await(key)).toBe("probe")
      yield* a.gate.settle(key, true)
      const sent = yield* now
      expect(sent).toBeLessThan(t + 1_050)
      yield* b.gate.cooldown(key, sent + 300, { sentAt: sent })
      const status = yield* a.status(key)
      expect(status.extendsPenalty).toBe(false)
      expect(status.coolingUntil).toBeGreaterThanOrEqual(sent + 250)
    }))

  it.live("Redis restarting empty: a known cooldown comes back and an echo still leaves it as it is; a learned extension comes back too", () => {
    const server = Harness.privateServer(6393)
    server.stop()
    server.start()
    return Effect.gen(function*() {
      const a = yield* makeProcess(server.url)
      const b = yield* makeProcess(server.url)
      const key = "restart-echo"
      const t = yield* now
      yield* a.gate.cooldown(key, t + 4_000, { sentAt: t })
      const original = yield* coolOf(key, server.url)
      // b read it from Redis
      expect((yield* b.gate.state(key))._tag).toBe("Cooling")

      server.restartEmpty()
      yield* reconnected(a.connection)
      yield* reconnected(b.connection)
      expect((yield* now) + 1_500).toBeLessThan(t + 4_000)
      expect(Number.isNaN(yield* coolOf(key, server.url))).toBe(true)
      // b's echo comes back into an empty Redis: b puts the cooldown back first (its very instant), and the echo
      // leaves it there
      yield* b.gate.cooldown(key, (yield* now) + 4_000, { sentAt: t - 10 })
      expect(yield* coolOf(key, server.url)).toBe(original)
      const state = yield* a.gate.state(key)
      expect(state._tag).toBe("Cooling")
      if (state._tag === "Cooling") expect(state.until).toBeGreaterThanOrEqual(t + 3_990)

      // Redis away: an echo is told apart from what the process knows, and does not extend its cooldown either
      server.stop()
      yield* Effect.sleep(Duration.millis(600))
      yield* b.gate.cooldown(key, (yield* now) + 4_000, { sentAt: t - 20 })
      const held = yield* b.gate.state(key)
      expect(held._tag).toBe("Cooling")
      if (held._tag === "Cooling") expect(held.until).toBeLessThan(t + 4_000 + 500)
      server.start()
      yield* reconnected(a.connection)
      yield* reconnected(b.connection)

      // a learned extension survives an empty Redis: the process that knows puts it back with its next 429
      const ext = "restart-extends"
      const u = yield* now
      yield* a.gate.cooldown(ext, u + 200, { sentAt: u })
      yield* Effect.sleep(Duration.millis(100))
      yield* b.gate.cooldown(ext, (yield* now) + 200, { sentAt: u })
      expect(yield* a.gate.await(ext)).toBe("probe")
      const probeSent = yield* now
      yield* a.gate.cooldown(ext, probeSent + 200, { sentAt: probeSent })
      yield* a.gate.settle(ext, true)
      expect((yield* a.status(ext)).extendsPenalty).toBe(true)
      server.restartEmpty()
      yield* reconnected(a.connection)
      expect((yield* a.status(ext)).extendsPenalty).toBe(false)
      const v = yield* now
      yield* a.gate.cooldown(ext, v + 200, { sentAt: v })
      expect((yield* a.status(ext)).extendsPenalty).toBe(true)
    }).pipe(Effect.scoped, Effect.ensuring(Effect.sync(() => server.stop())))
  }, 20_000)
})
