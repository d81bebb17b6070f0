import { describe, expect, it } from "@effect/vitest"
import * as Gate from "@trackingmore-effect/core/Gate"
import * as TrackingMoreError from "@trackingmore-effect/core/TrackingMoreError"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Logger from "effect/Logger"
import * as Option from "effect/Option"
import * as Schedule from "effect/Schedule"
import * as Scope from "effect/Scope"
import { afterAll } from "vitest"
import * as RedisConnection from "../src/RedisConnection.js"
import * as RedisGate from "../src/RedisGate.js"
import * as Harness from "./utils/redis.js"

const available = await Harness.available()
const prefix = Harness.uniquePrefix("gate")
afterAll(() => Harness.cleanup(prefix))

const makeGate = (options: RedisGate.Options = {}, target = Harness.url, keyPrefix = prefix) =>
  RedisGate.make({ pollInterval: Duration.millis(10), ...options }).pipe(
    Effect.provideServiceEffect(RedisConnection.RedisConnection, RedisConnection.make({ url: target, prefix: keyPrefix }))
  )

/** A process on a given Redis: its gate, and its connection (to wait until it has reconnected). */
const makeProcess = (target: string, options: RedisGate.Options = {}) =>
  Effect.gen(function*() {
    const connection = yield* RedisConnection.make({ url: target, prefix })
    const gate = yield* RedisGate.make({ pollInterval: Duration.millis(10), ...options }).pipe(
      Effect.provideService(RedisConnection.RedisConnection, connection)
    )
    return { gate, connection }
  })

/** Until the connection answers again (ioredis reconnects in the background). */
const reconnected = (connection: RedisConnection.Service) =>
  connection.use((client) => client.ping()).pipe(
    Effect.retry({ schedule: Schedule.spaced(Duration.millis(50)), times: 100 }),
    Effect.orDie
  )

const now = Effect.sync(() => Date.now())
const elapsedOf = <A, E, R>(self: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const start = Date.now()
    const a = yield* self
    return [a, Date.now() - start] as const
  })

const collectLogs = () => {
  const lines: Array<string> = []
  const logger = Logger.make(({ logLevel, message }) => {
    lines.push(`${logLevel.label} ${Array.isArray(message) ? message.join(" ") : String(message)}`)
  })
  return { lines, layer: Logger.replace(Logger.defaultLogger, logger) }
}

describe.skipIf(!available)("RedisGate", () => {
  it.scopedLive("a cooldown set by one process holds every other one until the same instant, then one probes", () =>
    Effect.gen(function*() {
      const a = yield* makeGate()
      const b = yield* makeGate()
      const c = yield* makeGate()
      const key = "cool-shared"
      const until = (yield* now) + 300
      yield* a.cooldown(key, until)
      const state = yield* b.state(key)
      expect(state._tag).toBe("Cooling")
      if (state._tag === "Cooling") expect(Math.abs(state.until - until)).toBeLessThan(50)

      const [pass, elapsed] = yield* elapsedOf(b.await(key))
      expect(pass).toBe("probe")
      expect(elapsed).toBeGreaterThanOrEqual(250)
      // c waits behind b's probe until it settles
      const waiting = yield* Effect.fork(c.await(key))
      yield* Effect.sleep(Duration.millis(100))
      expect(Option.isNone(yield* Fiber.poll(waiting))).toBe(true)
      yield* b.settle(key, true)
      expect(yield* Fiber.join(waiting)).toBe("open")
      expect(yield* a.await(key)).toBe("open")
    }))

  it.scopedLive("the later of two cooldowns wins, whoever sets them", () =>
    Effect.gen(function*() {
      const a = yield* makeGate()
      const b = yield* makeGate()
      const key = "cool-later"
      const t = yield* now
      yield* a.cooldown(key, t + 600)
      yield* b.cooldown(key, t + 100)
      const state = yield* a.state(key)
      expect(state._tag).toBe("Cooling")
      if (state._tag === "Cooling") expect(state.until).toBeGreaterThan(t + 500)
      const [, elapsed] = yield* elapsedOf(b.await(key))
      expect(elapsed).toBeGreaterThanOrEqual(500)
      yield* b.settle(key, true)
    }))

  it.scopedLive("a process whose clock is behind cannot shorten a cooldown (Redis TIME is the clock)", () =>
    Effect.gen(function*() {
      const a = yield* makeGate()
      const behind = yield* makeGate()
      const ahead = yield* makeGate()
      const key = "cool-skew"
      // 'behind' is 60 s late: its until, 400 ms after its own now, is 60 s in the real past.
      yield* behind.cooldown(key, Date.now() - 60_000 + 400).pipe(Effect.withClock(Harness.skewedClock(-60_000)))
      const [, elapsed] = yield* elapsedOf(a.await(key))
      expect(elapsed).toBeGreaterThanOrEqual(350)
      yield* a.settle(key, true)
      // 'ahead' is 60 s early: it sees the cooldown on its own clock and waits just as long.
      yield* a.cooldown(key, Date.now() + 400)
      const state = yield* ahead.state(key).pipe(Effect.withClock(Harness.skewedClock(60_000)))
      expect(state._tag).toBe("Cooling")
      if (state._tag === "Cooling") expect(Math.abs(state.until - (Date.now() + 60_000 + 400))).toBeLessThan(60)
      const [, elapsedAhead] = yield* elapsedOf(ahead.await(key).pipe(Effect.withClock(Harness.skewedClock(60_000))))
      expect(elapsedAhead).toBeGreaterThanOrEqual(350)
      yield* ahead.settle(key, true)
    }))

  it.scopedLive("a deadline before the cooldown's end fails at once", () =>
    Effect.gen(function*() {
      const a = yield* makeGate()
      const key = "cool-deadline"
      const t = yield* now
      yield* a.cooldown(key, t + 5_000)
      const [error, elapsed] = yield* elapsedOf(Effect.flip(a.await(key, { deadline: t + 1_000 })))
      expect(elapsed).toBeLessThan(200)
      expect(error._tag).toBe("DeadlineExceeded")
      if (error._tag === "DeadlineExceeded") expect(Math.abs(error.until - (t + 5_000))).toBeLessThan(100)
      yield* a.reset(key)
      expect(yield* a.await(key)).toBe("open")
    }))

  it.scopedLive("an unconfirmed probe hands the probe to the next caller", () =>
    Effect.gen(function*() {
      const a = yield* makeGate()
      const b = yield* makeGate()
      const key = "probe-unconfirmed"
      yield* a.cooldown(key, (yield* now) + 20)
      expect(yield* a.await(key)).toBe("probe")
      const waiting = yield* Effect.fork(b.await(key))
      yield* Effect.sleep(Duration.millis(50))
      yield* a.settle(key, false)
      expect(yield* Fiber.join(waiting)).toBe("probe")
      yield* b.settle(key, true)
      expect(yield* a.await(key)).toBe("open")
    }))

  it.live("a crashed prober's lease expires and another process probes", () =>
    Effect.gen(function*() {
      const key = "lease-crash"
      const crashed = yield* Scope.make()
      const a = yield* makeGate({ leaseDuration: Duration.millis(300) }).pipe(Scope.extend(crashed))
      yield* a.cooldown(key, (yield* now) + 10)
      yield* Effect.sleep(Duration.millis(20))
      expect(yield* a.await(key)).toBe("probe")
      const lease = (yield* Effect.promise(() => Harness.pttls(prefix)))[`gate:{${key}}:lease`]
      expect(lease).toBeGreaterThan(0)
      expect(lease).toBeLessThanOrEqual(300)
      // the process dies without settling: its connection and lease renewal go
      yield* Scope.close(crashed, Exit.void)
      yield* Effect.scoped(Effect.gen(function*() {
        const b = yield* makeGate()
        const [pass, elapsed] = yield* elapsedOf(b.await(key))
        expect(pass).toBe("probe")
        expect(elapsed).toBeLessThan(500)
        yield* b.settle(key, true)
      }))
    }))

  it.scopedLive("a live prober renews its lease, however long its attempt", () =>
    Effect.gen(function*() {
      // Renewed every ~133 ms, the lease survives a renewal up to ~260 ms late (a loaded machine); b waits for three
      // lease durations, which an unrenewed lease would not outlive.
      const a = yield* makeGate({ leaseDuration: Duration.millis(400) })
      const b = yield* makeGate()
      const key = "lease-renew"
      yield* a.cooldown(key, (yield* now) + 10)
      yield* Effect.sleep(Duration.millis(20))
      expect(yield* a.await(key)).toBe("probe")
      const early = yield* b.await(key).pipe(Effect.timeout(Duration.millis(1_200)), Effect.option)
      expect(Option.isNone(early)).toBe(true)
      yield* a.settle(key, true)
      expect(yield* b.await(key)).toBe("open")
    }))

  it.scopedLive("halts are shared with their error, and end with a probe when they have a duration", () =>
    Effect.gen(function*() {
      const a = yield* makeGate()
      const b = yield* makeGate()
      const key = "halt"
      const error = TrackingMoreError.fromCode(4001, { serverMessage: "invalid key", endpoint: "/trackings/post" })
      yield* a.halt(key, error)
      const failed = yield* Effect.flip(b.await(key))
      expect(failed._tag).toBe("InvalidApiKey")
      expect(failed).toEqual(error)
      expect(TrackingMoreError.isTrackingMoreError(failed)).toBe(true)
      const state = yield* b.state(key)
      expect(state._tag).toBe("Halted")
      if (state._tag === "Halted") expect(state.until).toBeUndefined()
      // Until reset, but never left behind for ever: the key expires after a day at most.
      const untilResetTtl = (yield* Effect.promise(() => Harness.pttls(prefix)))[`gate:{${key}}:halt`]
      expect(untilResetTtl).toBeGreaterThan(23 * 3600_000)
      expect(untilResetTtl).toBeLessThanOrEqual(24 * 3600_000)
      yield* b.reset(key)
      expect(yield* a.await(key)).toBe("open")

      const billing = TrackingMoreError.fromCode(4019)
      yield* a.halt(key, billing, Duration.millis(200))
      const haltTtl = (yield* Effect.promise(() => Harness.pttls(prefix)))[`gate:{${key}}:halt`]
      expect(haltTtl).toBeGreaterThan(0)
      expect(haltTtl).toBeLessThanOrEqual(200)
      const halted = yield* b.state(key)
      expect(halted._tag).toBe("Halted")
      if (halted._tag === "Halted") expect(halted.until).toBeGreaterThan(Date.now())
      expect((yield* Effect.flip(b.await(key)))._tag).toBe("InsufficientBalance")
      yield* Effect.sleep(Duration.millis(250))
      expect(yield* b.await(key)).toBe("probe")
      yield* b.settle(key, true)
      expect(yield* a.await(key)).toBe("open")
    }))

  it.scopedLive("keys carry TTLs: cooldown length plus margin", () =>
    Effect.gen(function*() {
      const a = yield* makeGate({ keyMargin: Duration.seconds(5) })
      const key = "ttl"
      yield* a.cooldown(key, (yield* now) + 1_000)
      const ttl = (yield* Effect.promise(() => Harness.pttls(prefix)))[`gate:{${key}}`]
      expect(ttl).toBeGreaterThan(5_500)
      expect(ttl).toBeLessThanOrEqual(6_000)
      yield* a.reset(key)
      const afterReset = yield* Effect.promise(() => Harness.pttls(prefix))
      expect(afterReset[`gate:{${key}}`]).toBeUndefined()
      // the reset's marker, for the processes that knew of the cooldown, lives a day (untilResetTtl)
      expect(afterReset[`gate:{${key}}:reset`]).toBeGreaterThan(23 * 3600_000)
      expect(afterReset[`gate:{${key}}:reset`]).toBeLessThanOrEqual(24 * 3600_000)
    }))

  it.live("without Redis from the start the gate works in memory and says so once", () => {
    const logs = collectLogs()
    return Effect.gen(function*() {
      const gate = yield* makeGate({}, "redis://127.0.0.1:6391")
      const key = "nowhere"
      const [pass, elapsed] = yield* elapsedOf(gate.await(key))
      expect(pass).toBe("open")
      expect(elapsed).toBeLessThan(1_500)
      yield* gate.cooldown(key, (yield* now) + 200)
      const [probe, waited] = yield* elapsedOf(gate.await(key))
      expect(probe).toBe("probe")
      expect(waited).toBeGreaterThanOrEqual(150)
      yield* gate.settle(key, true)
      expect(logs.lines.filter((line) => line.startsWith("WARN")).length).toBe(1)
    }).pipe(Effect.scoped, Effect.provide(logs.layer))
  })

  it.live("Redis going away mid-run: the last known cooldown still holds; Redis back: shared again", () => {
    const logs = collectLogs()
    const server = Harness.privateServer(6390)
    server.stop()
    server.start()
    return Effect.gen(function*() {
      const a = yield* makeGate({}, server.url)
      const b = yield* makeGate({}, server.url)
      const key = "restart"
      yield* a.cooldown(key, (yield* now) + 200)
      // b learns of the cooldown from Redis (it mirrors it locally) …
      const state = yield* b.state(key)
      expect(state._tag).toBe("Cooling")
      const waiting = yield* Effect.fork(elapsedOf(b.await(key)))
      yield* Effect.sleep(Duration.millis(50))
      // … then Redis goes away: b still honours the cooldown (and gets the probe from its local gate)
      server.stop()
      yield* a.cooldown(key, (yield* now) + 600)
      const [pass, elapsed] = yield* Fiber.join(waiting)
      expect(pass).toBe("probe")
      expect(elapsed).toBeGreaterThanOrEqual(150)
      yield* b.settle(key, true)
      // a, which set the second cooldown while Redis was down, honours it in memory
      const [passA, elapsedA] = yield* elapsedOf(a.await(key))
      expect(passA).toBe("probe")
      expect(elapsedA).toBeGreaterThanOrEqual(400)
      yield* a.settle(key, true)
      expect(logs.lines.filter((line) => line.startsWith("WARN")).length).toBeGreaterThanOrEqual(1)
      // Redis is back: the connections reconnect and the gate is shared again
      server.start()
      yield* Effect.sleep(Duration.millis(1_500))
      yield* a.cooldown(key, (yield* now) + 300)
      const shared = yield* b.state(key)
      expect(shared._tag).toBe("Cooling")
      expect(logs.lines.some((line) => line.includes("answers again"))).toBe(true)
      expect(logs.lines.filter((line) => line.startsWith("WARN")).length).toBe(2)
    }).pipe(Effect.scoped, Effect.provide(logs.layer), Effect.ensuring(Effect.sync(() => server.stop())))
  }, 20_000)

  it.live("Redis restarting empty lifts no cooldown a process knew of: every caller is held until its instant, then one probes", () => {
    const server = Harness.privateServer(6392)
    server.stop()
    server.start()
    return Effect.gen(function*() {
      // 'tripped' got the 429 and set the cooldown; 'reader' read it from Redis.
      const tripped = yield* makeProcess(server.url)
      const reader = yield* makeProcess(server.url)
      const key = "restart-empty"
      const until = (yield* now) + 4_000
      yield* tripped.gate.cooldown(key, until)
      expect((yield* reader.gate.state(key))._tag).toBe("Cooling")

      server.restartEmpty()
      expect(server.size()).toBe(0)
      // Both are connected to the empty Redis again: what follows goes through it, not through the fallback.
      yield* reconnected(tripped.connection)
      yield* reconnected(reader.connection)
      expect((yield* now) + 1_000).toBeLessThan(until)

      const passes: Array<{ readonly pass: Gate.Pass; readonly at: number }> = []
      const call = (gate: Gate.Service) =>
        gate.await(key).pipe(
          Effect.tap((pass) => Effect.sync(() => passes.push({ pass, at: Date.now() }))),
          Effect.tap((pass) => pass === "probe" ? Effect.delay(gate.settle(key, true), Duration.millis(100)) : Effect.void)
        )
      const knowing = yield* Effect.fork(
        Effect.all([call(tripped.gate), call(tripped.gate), call(reader.gate)], { concurrency: "unbounded" })
      )
      // They found Redis empty and published the cooldown again: a process started after the restart, which knows
      // only what Redis says, learns it there.
      yield* Effect.sleep(Duration.millis(100))
      const late = yield* makeProcess(server.url)
      const learned = yield* late.gate.state(key)
      expect(learned._tag).toBe("Cooling")
      if (learned._tag === "Cooling") expect(learned.until).toBeGreaterThanOrEqual(until)
      yield* Effect.all([Fiber.join(knowing), call(late.gate)], { concurrency: "unbounded" })

      expect(passes.length).toBe(4)
      for (const { at } of passes) expect(at).toBeGreaterThanOrEqual(until)
      const probes = passes.filter(({ pass }) => pass === "probe")
      expect(probes.length).toBe(1)
      // the others waited for the probe's outcome
      for (const { at, pass } of passes) if (pass === "open") expect(at).toBeGreaterThanOrEqual(probes[0]!.at + 90)
    }).pipe(Effect.scoped, Effect.ensuring(Effect.sync(() => server.stop())))
  }, 20_000)

  it.live("Redis emptied (FLUSHALL): the later of the known and the stored cooldown wins, a known halt holds, a reset anywhere still lifts it everywhere", () => {
    const server = Harness.privateServer(6392)
    server.stop()
    server.start()
    return Effect.gen(function*() {
      const a = yield* makeProcess(server.url)
      const b = yield* makeProcess(server.url)
      const key = "flushed"
      const until = (yield* now) + 1_500
      yield* a.gate.cooldown(key, until)
      server.flushAll()
      // b never knew of a's cooldown and sets a shorter one; once a has talked to Redis the longer one holds b too.
      yield* b.gate.cooldown(key, (yield* now) + 100)
      const state = yield* a.gate.state(key)
      expect(state._tag).toBe("Cooling")
      if (state._tag === "Cooling") expect(state.until).toBeGreaterThanOrEqual(until)
      expect(yield* b.gate.await(key)).toBe("probe")
      expect(yield* now).toBeGreaterThanOrEqual(until)
      yield* b.gate.settle(key, true)
      expect(yield* a.gate.await(key)).toBe("open")

      const halted = "flushed-halt"
      const error = TrackingMoreError.fromCode(4001, { serverMessage: "invalid key", endpoint: "/trackings/post" })
      yield* a.gate.halt(halted, error)
      expect(yield* Effect.flip(b.gate.await(halted))).toEqual(error)
      server.flushAll()
      // b, which read the halt, still fails with it and publishes it again; c, which never knew, reads it there.
      expect(yield* Effect.flip(b.gate.await(halted))).toEqual(error)
      const c = yield* makeProcess(server.url)
      expect(yield* Effect.flip(c.gate.await(halted))).toEqual(error)
      // A reset in any one process still opens the key in all of them.
      yield* c.gate.reset(halted)
      expect(yield* a.gate.await(halted)).toBe("open")
      expect(yield* b.gate.await(halted)).toBe("open")
      expect(yield* c.gate.await(halted)).toBe("open")
    }).pipe(Effect.scoped, Effect.ensuring(Effect.sync(() => server.stop())))
  }, 20_000)

  it.live("a cooldown set while Redis was away is published once it answers again", () => {
    const server = Harness.privateServer(6392)
    server.stop()
    server.start()
    return Effect.gen(function*() {
      const a = yield* makeProcess(server.url)
      const key = "set-while-away"
      server.stop()
      const until = (yield* now) + 3_000
      yield* a.gate.cooldown(key, until)
      server.start()
      yield* reconnected(a.connection)
      expect((yield* now) + 1_000).toBeLessThan(until)
      // a's next look at the key puts it back; b, which never knew of it, is held by Redis until the same instant
      expect((yield* a.gate.state(key))._tag).toBe("Cooling")
      const b = yield* makeProcess(server.url)
      expect(yield* b.gate.await(key)).toBe("probe")
      expect(yield* now).toBeGreaterThanOrEqual(until)
      yield* b.gate.settle(key, true)
    }).pipe(Effect.scoped, Effect.ensuring(Effect.sync(() => server.stop())))
  }, 20_000)

  it.scopedLive("what a process read from Redis never pushes the cooldown later", () =>
    Effect.gen(function*() {
      const a = yield* makeGate()
      const b = yield* makeGate()
      const key = "no-creep"
      const t = yield* now
      yield* a.cooldown(key, t + 5_000)
      const stored = yield* Effect.promise(() => Harness.coolOf(prefix, key))
      expect(stored).toBeGreaterThan(t)
      for (let i = 0; i < 20; i++) {
        yield* b.state(key)
        expect((yield* Effect.flip(b.await(key, { deadline: t + 1_000 })))._tag).toBe("DeadlineExceeded")
        yield* a.state(key)
      }
      expect(yield* Effect.promise(() => Harness.coolOf(prefix, key))).toBe(stored)
      yield* a.reset(key)
    }))

  it.scopedLive("a halt until reset that Redis lets expire (untilResetTtl) is not published again", () =>
    Effect.gen(function*() {
      const a = yield* makeGate({ untilResetTtl: Duration.millis(300) })
      const b = yield* makeGate()
      const key = "halt-expires"
      const error = TrackingMoreError.fromCode(4001)
      yield* a.halt(key, error)
      expect((yield* Effect.flip(b.await(key)))._tag).toBe("InvalidApiKey")
      yield* Effect.sleep(Duration.millis(400))
      expect(yield* b.await(key)).toBe("open")
      expect(yield* a.await(key)).toBe("open")
      expect((yield* Effect.promise(() => Harness.pttls(prefix)))[`gate:{${key}}:halt`]).toBeUndefined()
    }))

  it.live("a Gate.Gate layer: the pieces compose", () =>
    Effect.gen(function*() {
      const gate = yield* Gate.Gate
      expect(yield* gate.await("layer-key")).toBe("open")
    }).pipe(
      Effect.provide(RedisGate.layer()),
      Effect.provide(RedisConnection.layer({ url: Harness.url, prefix }))
    ))
})
