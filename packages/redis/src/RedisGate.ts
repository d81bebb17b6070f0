/**
 * Core's `Gate` on Redis, shared by every process that uses one API key: a 429 seen by any process cools the key
 * for all of them until the same instant, after the cooldown exactly one process probes (it holds a lease that
 * expires if it crashes) while the others wait for its outcome, and halts after auth or billing errors are shared
 * with the error that caused them.
 *
 * **Clock.** Every comparison (cooldown end, lease, halt end) runs inside a Lua script on Redis `TIME`, never on
 * the callers' clocks. The `until` given to `cooldown` is the caller's epoch ms: it is turned into a duration
 * relative to the caller's now and re-anchored on Redis `TIME`, so a process whose clock is behind cannot
 * shorten a cooldown another process set. Instants returned to a caller (`state`, `DeadlineExceeded.until`) are
 * translated back to the caller's clock the same way.
 *
 * **What a process knows.** Every cooldown and halt a process sets, and every one it reads from Redis, it keeps
 * until its end. When Redis does not answer, the call goes on with an in-process gate (core's `Gate.makeMemory`)
 * that mirrors them. When Redis answers but has forgotten them (it restarted or failed over empty, or was
 * flushed), the scripts put them back: the later of the stored and the known cooldown wins, a known halt is
 * stored again when Redis has none, so every caller of the process stays held until the original instant and the
 * other processes learn it again at their next look. Only a `reset` (in any process: it leaves a marker in Redis)
 * drops what the processes knew before it. So neither losing Redis nor an empty Redis lifts a cooldown or halt the
 * process knew of.
 *
 * @since 0.1.0
 */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import * as Gate from "@trackingmore-effect/core/Gate"
import * as TrackingMoreError from "@trackingmore-effect/core/TrackingMoreError"
import * as keys from "./internal/keys.js"
import * as scripts from "./internal/scripts.js"
import * as RedisConnection from "./RedisConnection.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** How often a caller waiting for another process's probe looks again (default 50 ms). */
  readonly pollInterval?: Duration.DurationInput | undefined
  /**
   * How long a probe lease lives without renewal (default 15 s). A live prober renews it every third of that;
   * a crashed one stops renewing and another process probes once it expires.
   */
  readonly leaseDuration?: Duration.DurationInput | undefined
  /** How long the gate hash outlives the end of its cooldown or halt (default 60 s). */
  readonly keyMargin?: Duration.DurationInput | undefined
  /**
   * How long a halt "until reset" (auth errors) is kept in Redis at most (default 1 day), so that a key nobody
   * resets leaves nothing behind for ever; the processes that know of it drop it too once Redis lets it expire
   * (while Redis does not answer they keep it until reset). Also the least time a reset's marker is kept.
   */
  readonly untilResetTtl?: Duration.DurationInput | undefined
}

const scriptAwait = RedisConnection.script(scripts.gateAwait)
const scriptCooldown = RedisConnection.script(scripts.gateCooldown)
const scriptSettle = RedisConnection.script(scripts.gateSettle)
const scriptRenew = RedisConnection.script(scripts.leaseRenew)
const scriptHalt = RedisConnection.script(scripts.gateHalt)
const scriptState = RedisConnection.script(scripts.gateState)
const scriptReset = RedisConnection.script(scripts.gateReset)

const encodeError = Schema.encode(TrackingMoreError.TrackingMoreError)
const decodeError = Schema.decodeUnknown(TrackingMoreError.TrackingMoreError)

interface StoredHalt {
  readonly until: number | null
  readonly error: unknown
}

const parseHalt = (json: string): Effect.Effect<{
  readonly until: number | undefined
  readonly error: TrackingMoreError.TrackingMoreError
}> =>
  Effect.suspend(() => {
    let stored: StoredHalt
    try {
      stored = JSON.parse(json) as StoredHalt
    } catch {
      stored = { until: null, error: undefined }
    }
    return decodeError(stored.error).pipe(
      Effect.orElseSucceed(() =>
        TrackingMoreError.fromCode(401, { serverMessage: "the key was halted by another process" })
      ),
      Effect.map((error) => ({ error, until: typeof stored.until === "number" ? stored.until : undefined }))
    )
  })

const encodeJson = (error: TrackingMoreError.TrackingMoreError): Effect.Effect<string> =>
  encodeError(error).pipe(
    Effect.orElseSucceed(() => ({ _tag: error._tag, message: error.message })),
    Effect.map((encoded) => JSON.stringify(encoded))
  )

const asArray = (u: unknown): ReadonlyArray<unknown> => Array.isArray(u) ? u : []
const asNumber = (u: unknown): number => typeof u === "number" ? u : Number(u)

// What this process knows of a key's cooldown and halt, set itself or read from Redis. Instants are on the
// process's clock except `redisUntil`; `learnedAt` is when it was last set or read, to compare with a reset.
interface KnownCooldown {
  readonly until: number
  /** The end in Redis ms, when Redis told it (undefined when it was set while Redis was away). */
  readonly redisUntil: number | undefined
  readonly learnedAt: number
}

interface KnownHalt {
  readonly error: TrackingMoreError.TrackingMoreError
  readonly errorJson: string
  /** The end of a halt with a duration; undefined for a halt until reset. */
  readonly until: number | undefined
  /** Until when Redis keeps it: its end, or the until-reset TTL. */
  readonly keptUntil: number
  readonly learnedAt: number
}

interface Known {
  cooldown: KnownCooldown | undefined
  halt: KnownHalt | undefined
}

let processCounter = 0
const processId = `${process.pid}-${Math.random().toString(36).slice(2, 10)}`

/**
 * A Redis gate over the connection, alive (lease renewals) for the scope.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  options: Options = {}
): Effect.Effect<Gate.Gate, never, RedisConnection.RedisConnection | Scope.Scope> =>
  Effect.gen(function*() {
    const redis = yield* RedisConnection.RedisConnection
    const untilResetTtlMillis = Math.max(1, Math.round(Duration.toMillis(options.untilResetTtl ?? Duration.days(1))))
    const scope = yield* Effect.scope
    const local = yield* Gate.makeMemory
    const pollInterval = Duration.decode(options.pollInterval ?? Duration.millis(50))
    const leaseMillis = Math.max(1, Math.round(Duration.toMillis(options.leaseDuration ?? Duration.seconds(15))))
    const marginMillis = Math.max(1, Math.round(Duration.toMillis(options.keyMargin ?? Duration.seconds(60))))
    const prefix = redis.prefix

    // Leases this process holds, by key, with the fiber that renews each.
    const leases = new Map<string, { readonly token: string; readonly renewal: Fiber.RuntimeFiber<unknown> }>()
    // What this process knows, by key. It holds even when Redis later answers without it (a restart or failover
    // that came back empty, a FLUSHALL): the scripts put it back. `local` mirrors it for when Redis does not answer.
    const known = new Map<string, Known>()

    const stateKeys = (key: string) => [keys.gate(prefix, key), keys.halt(prefix, key), keys.reset(prefix, key)]

    // ARGV 1–8 of the scripts that put back what Redis has forgotten (see `restore` in internal/scripts).
    const restoreArgs = (key: string, now: number): Array<string | number> => {
      const entry = known.get(key)
      const cooldown = entry?.cooldown !== undefined && entry.cooldown.until > now ? entry.cooldown : undefined
      const halt = entry?.halt !== undefined && entry.halt.keptUntil > now ? entry.halt : undefined
      return [
        marginMillis,
        cooldown === undefined ? "" : cooldown.until - now,
        cooldown?.redisUntil === undefined ? "" : cooldown.redisUntil.toFixed(3),
        cooldown === undefined ? "" : now - cooldown.learnedAt,
        halt === undefined ? "" : halt.errorJson,
        halt?.until === undefined ? "" : halt.until - now,
        halt === undefined ? "" : halt.keptUntil - now,
        halt === undefined ? "" : now - halt.learnedAt
      ]
    }

    // The in-memory gate cannot drop a cooldown or a halt alone: it starts again from what is still known.
    const rebuildLocal = (key: string, now: number) =>
      Effect.gen(function*() {
        yield* local.reset(key)
        const entry = known.get(key)
        if (entry?.cooldown !== undefined) yield* local.cooldown(key, entry.cooldown.until)
        if (entry?.halt !== undefined) {
          const until = entry.halt.until
          yield* local.halt(key, entry.halt.error, until === undefined ? undefined : Duration.millis(Math.max(0, until - now)))
        }
      })

    // After Redis answered a script that was given `restoreArgs(key, now)`: drop what was reset since this process
    // learned it (`forget`: 1 the cooldown, 2 the halt) and what has ended.
    const reconcile = (key: string, forget: number, now: number) =>
      Effect.suspend(() => {
        const entry = known.get(key)
        if (entry === undefined) return Effect.void
        let dropped = false
        if (entry.cooldown !== undefined && (forget === 1 || forget === 3)) {
          entry.cooldown = undefined
          dropped = true
        } else if (entry.cooldown !== undefined && entry.cooldown.until <= now) {
          entry.cooldown = undefined
        }
        if (entry.halt !== undefined && (forget === 2 || forget === 3)) {
          entry.halt = undefined
          dropped = true
        } else if (entry.halt !== undefined && entry.halt.keptUntil <= now) {
          // A halt until reset that Redis let expire: the in-memory gate would hold it for ever.
          dropped = dropped || entry.halt.until === undefined
          entry.halt = undefined
        }
        if (entry.cooldown === undefined && entry.halt === undefined) known.delete(key)
        return dropped ? rebuildLocal(key, now) : Effect.void
      })

    const entryOf = (key: string): Known => {
      let entry = known.get(key)
      if (entry === undefined) {
        entry = { cooldown: undefined, halt: undefined }
        known.set(key, entry)
      }
      return entry
    }

    // Replaces what was known: a script that answered has already taken the later of the two (without Redis, the
    // caller keeps the later itself).
    const learnCooldown = (key: string, cooldown: KnownCooldown) =>
      Effect.suspend(() => {
        entryOf(key).cooldown = cooldown
        return local.cooldown(key, cooldown.until)
      })

    const learnHalt = (key: string, halt: KnownHalt, now: number) =>
      Effect.suspend(() => {
        entryOf(key).halt = halt
        return local.halt(
          key,
          halt.error,
          halt.until === undefined ? undefined : Duration.millis(Math.max(0, halt.until - now))
        )
      })

    const learnHaltFromRedis = (key: string, json: string, redisNow: number, pttl: number, now: number) =>
      Effect.gen(function*() {
        const { error, until } = yield* parseHalt(json)
        const errorJson = yield* encodeJson(error)
        const localUntil = until === undefined ? undefined : now + Math.ceil(until - redisNow)
        yield* learnHalt(key, {
          error,
          errorJson,
          until: localUntil,
          keptUntil: localUntil ?? now + Math.max(0, pttl),
          learnedAt: now
        }, now)
        return { error, until: localUntil }
      })

    const takeLease = (key: string, token: string) =>
      Effect.gen(function*() {
        const renewal = yield* redis.eval(scriptRenew, [keys.lease(prefix, key)], [token, leaseMillis]).pipe(
          Effect.delay(Duration.millis(Math.max(1, Math.floor(leaseMillis / 3)))),
          Effect.repeat({ while: (renewed) => asNumber(renewed) === 1 }),
          Effect.ignore,
          Effect.forkIn(scope)
        )
        leases.set(key, { token, renewal })
      })

    const dropLease = (key: string) =>
      Effect.suspend(() => {
        const held = leases.get(key)
        if (held === undefined) return Effect.succeed(undefined)
        leases.delete(key)
        return Effect.as(Fiber.interrupt(held.renewal), held.token)
      })

    const awaitKey = (
      key: string,
      awaitOptions?: Gate.AwaitOptions
    ): Effect.Effect<Gate.Pass, TrackingMoreError.TrackingMoreError | Gate.DeadlineExceeded> =>
      Effect.gen(function*() {
        const token = `${processId}-${++processCounter}`
        const asked = yield* Clock.currentTimeMillis
        const reply = yield* Effect.either(
          redis.eval(scriptAwait, [...stateKeys(key), keys.lease(prefix, key)], [
            ...restoreArgs(key, asked),
            token,
            leaseMillis
          ])
        )
        if (reply._tag === "Left") return yield* local.await(key, awaitOptions)
        const [forget, kind, a, b, c] = asArray(reply.right)
        yield* reconcile(key, asNumber(forget), asked)
        switch (kind) {
          case "halted": {
            const now = yield* Clock.currentTimeMillis
            const { error } = yield* learnHaltFromRedis(key, String(a), asNumber(b), asNumber(c), now)
            return yield* Effect.fail(error)
          }
          case "sleep": {
            const remaining = Math.ceil(asNumber(a))
            const now = yield* Clock.currentTimeMillis
            // Known (and mirrored) so that this process keeps honouring it if Redis forgets it or goes away.
            const redisUntil = asNumber(b)
            yield* learnCooldown(key, {
              until: now + remaining,
              redisUntil: Number.isFinite(redisUntil) ? redisUntil : undefined,
              learnedAt: now
            })
            const deadline = awaitOptions?.deadline
            if (deadline !== undefined && now + remaining > deadline) {
              return yield* Effect.fail(new Gate.DeadlineExceeded({ until: now + remaining, deadline }))
            }
            yield* Effect.sleep(Duration.millis(remaining))
            return yield* awaitKey(key, awaitOptions)
          }
          case "join":
            yield* Effect.sleep(pollInterval)
            return yield* awaitKey(key, awaitOptions)
          case "probe":
            yield* takeLease(key, token)
            return "probe" as const
          default:
            return "open" as const
        }
      })

    const settle = (key: string, confirmed: boolean) =>
      Effect.gen(function*() {
        yield* local.settle(key, confirmed)
        const token = yield* dropLease(key)
        if (token === undefined) return
        // On failure the lease expires by itself and the next caller probes.
        yield* Effect.ignore(
          redis.eval(scriptSettle, [keys.gate(prefix, key), keys.lease(prefix, key)], [
            token,
            confirmed ? "1" : "0",
            marginMillis
          ])
        )
      })

    const cooldown = (key: string, until: number) =>
      Effect.gen(function*() {
        const now = yield* Clock.currentTimeMillis
        const reply = yield* Effect.either(
          redis.eval(scriptCooldown, stateKeys(key), [...restoreArgs(key, now), Math.max(0, until - now).toFixed(3)])
        )
        if (reply._tag === "Left") {
          // Set while Redis is away: kept with no Redis instant, and put back (re-anchored) once Redis answers.
          const before = known.get(key)?.cooldown
          if (before !== undefined && before.until >= until) return
          return yield* learnCooldown(key, { until, redisUntil: undefined, learnedAt: now })
        }
        const [forget, effective, redisNow] = asArray(reply.right).map(asNumber)
        yield* reconcile(key, forget ?? 0, now)
        const valid = effective !== undefined && redisNow !== undefined && Number.isFinite(effective - redisNow)
        yield* learnCooldown(key, {
          until: valid ? Math.max(until, now + Math.ceil(effective - redisNow)) : until,
          redisUntil: valid ? effective : undefined,
          learnedAt: now
        })
      })

    const halt = (key: string, error: TrackingMoreError.TrackingMoreError, duration?: Duration.Duration) =>
      Effect.gen(function*() {
        const now = yield* Clock.currentTimeMillis
        const errorJson = yield* encodeJson(error)
        const until = duration === undefined || !Duration.isFinite(duration) ? undefined : now + Duration.toMillis(duration)
        yield* learnHalt(key, { error, errorJson, until, keptUntil: until ?? now + untilResetTtlMillis, learnedAt: now }, now)
        // When Redis does not answer, the halt is known here and put back into Redis once it answers again.
        yield* Effect.ignore(
          redis.eval(scriptHalt, [keys.gate(prefix, key), keys.halt(prefix, key)], [
            errorJson,
            until === undefined ? "" : (until - now).toFixed(3),
            marginMillis,
            untilResetTtlMillis
          ])
        )
      })

    const reset = (key: string) =>
      Effect.gen(function*() {
        yield* dropLease(key)
        known.delete(key)
        yield* local.reset(key)
        // The marker tells the processes that learned this key's state before now to drop it.
        yield* Effect.ignore(
          redis.eval(scriptReset, [...stateKeys(key), keys.lease(prefix, key)], [untilResetTtlMillis])
        )
      })

    const state = (key: string) =>
      Effect.gen(function*() {
        const asked = yield* Clock.currentTimeMillis
        const reply = yield* Effect.either(redis.eval(scriptState, stateKeys(key), restoreArgs(key, asked)))
        if (reply._tag === "Left") return yield* local.state(key)
        const [forget, redisNowRaw, coolRaw, haltJson, haltPttl] = asArray(reply.right)
        yield* reconcile(key, asNumber(forget), asked)
        const redisNow = asNumber(redisNowRaw)
        const now = yield* Clock.currentTimeMillis
        if (typeof haltJson === "string") {
          const { error, until } = yield* learnHaltFromRedis(key, haltJson, redisNow, asNumber(haltPttl), now)
          return Gate.GateState.Halted({ error, until })
        }
        const cool = asNumber(coolRaw)
        if (!(redisNow < cool)) return Gate.GateState.Open()
        const until = now + Math.ceil(cool - redisNow)
        yield* learnCooldown(key, { until, redisUntil: cool, learnedAt: now })
        return Gate.GateState.Cooling({ until })
      })

    return Gate.Gate.of({ await: awaitKey, settle, cooldown, halt, reset, state })
  })

/**
 * The Redis gate as a layer, over a `RedisConnection`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options = {}): Layer.Layer<Gate.Gate, never, RedisConnection.RedisConnection> =>
  Layer.scoped(Gate.Gate, make(options))

/**
 * What Redis holds for one API key's gate, as an operator reads it: every instant on this process's clock,
 * every time to live in milliseconds.
 *
 * @since 0.2.0
 * @category inspection
 */
export interface KeyStatus {
  /** The key's fingerprint, as the gate is keyed (never the API key itself). */
  readonly key: string
  /** The end of the key's 429 cooldown, while it cools. */
  readonly coolingUntil: number | undefined
  /** Whether the next caller must probe the key before the others go on (after a cooldown or a timed halt). */
  readonly probeNeeded: boolean
  /** The time to live of the lease of a probe in flight. */
  readonly probeLease: number | undefined
  /** The halt and the error that caused it; `until` is undefined for a halt until reset. */
  readonly halt:
    | { readonly error: TrackingMoreError.TrackingMoreError; readonly until: number | undefined; readonly ttl: number }
    | undefined
  /** When the key was last reset, while the reset's marker lives. */
  readonly resetAt: number | undefined
  /** The time to live of each of the gate's Redis keys that exists (`-1`: no expiry). */
  readonly ttls: {
    readonly gate?: number | undefined
    readonly halt?: number | undefined
    readonly lease?: number | undefined
    readonly reset?: number | undefined
  }
}

const scriptStatus = RedisConnection.script(`
local t = redis.call("TIME")
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
return {
  string.format("%.3f", now),
  redis.call("HGET", KEYS[1], "cool") or "",
  redis.call("HGET", KEYS[1], "probe") or "",
  redis.call("PTTL", KEYS[1]),
  redis.call("GET", KEYS[2]) or "",
  redis.call("PTTL", KEYS[2]),
  redis.call("PTTL", KEYS[3]),
  redis.call("GET", KEYS[4]) or "",
  redis.call("PTTL", KEYS[4])
}
`)

// PTTL answers -2 for a key that does not exist.
const ttlOf = (u: unknown): number | undefined => {
  const n = asNumber(u)
  return Number.isFinite(n) && n !== -2 ? n : undefined
}

/**
 * The gate of one key fingerprint as Redis holds it, read in one atomic script that changes nothing.
 *
 * @since 0.2.0
 * @category inspection
 */
export const status = (
  key: string
): Effect.Effect<KeyStatus, RedisConnection.RedisUnavailable, RedisConnection.RedisConnection> =>
  Effect.gen(function*() {
    const redis = yield* RedisConnection.RedisConnection
    const prefix = redis.prefix
    const reply = asArray(
      yield* redis.eval(scriptStatus, [
        keys.gate(prefix, key),
        keys.halt(prefix, key),
        keys.lease(prefix, key),
        keys.reset(prefix, key)
      ], [])
    )
    const now = yield* Clock.currentTimeMillis
    const [redisNowRaw, coolRaw, probeRaw, gateTtl, haltJson, haltTtl, leaseTtl, resetRaw, resetTtl] = reply
    const redisNow = asNumber(redisNowRaw)
    // Redis instants are told on this process's clock, as `state` does.
    const local = (redisMs: number) => now + Math.ceil(redisMs - redisNow)
    const cool = asNumber(coolRaw)
    const halt = typeof haltJson === "string" && haltJson !== "" ? yield* parseHalt(haltJson) : undefined
    const resetAt = asNumber(resetRaw)
    return {
      key,
      coolingUntil: Number.isFinite(cool) && cool > redisNow ? local(cool) : undefined,
      probeNeeded: probeRaw === "1",
      probeLease: ttlOf(leaseTtl),
      halt: halt === undefined
        ? undefined
        : { error: halt.error, until: halt.until === undefined ? undefined : local(halt.until), ttl: ttlOf(haltTtl) ?? 0 },
      resetAt: Number.isFinite(resetAt) && resetRaw !== "" ? local(resetAt) : undefined,
      ttls: { gate: ttlOf(gateTtl), halt: ttlOf(haltTtl), lease: ttlOf(leaseTtl), reset: ttlOf(resetTtl) }
    }
  })

// SCAN's MATCH is a glob: a prefix with glob characters must match only itself.
const escapeGlob = (text: string): string => text.replace(/[*?[\]\\]/g, (c) => `\\${c}`)

/**
 * The fingerprint of every key that has a gate in Redis under the connection's prefix (a cooldown, a halt, a
 * probe lease or a reset marker), in order, found with `SCAN` (never `KEYS`, which blocks a busy Redis).
 *
 * @since 0.2.0
 * @category inspection
 */
export const keysWithState: Effect.Effect<
  ReadonlyArray<string>,
  RedisConnection.RedisUnavailable,
  RedisConnection.RedisConnection
> = Effect.gen(function*() {
  const redis = yield* RedisConnection.RedisConnection
  const pattern = `${escapeGlob(redis.prefix)}gate:{*`
  const found = new Set<string>()
  let cursor = "0"
  do {
    const [next, batch] = yield* redis.use((client) => client.scan(cursor, "MATCH", pattern, "COUNT", 1000))
    cursor = next
    for (const name of batch) {
      const match = /^gate:\{([^}]*)\}(?::(?:lease|halt|reset))?$/.exec(name.slice(redis.prefix.length))
      if (match !== null) found.add(match[1]!)
    }
  } while (cursor !== "0")
  return [...found].sort()
})

/**
 * The gate of every key fingerprint Redis holds one for under the connection's prefix.
 *
 * @since 0.2.0
 * @category inspection
 */
export const list: Effect.Effect<
  ReadonlyArray<KeyStatus>,
  RedisConnection.RedisUnavailable,
  RedisConnection.RedisConnection
> = Effect.flatMap(keysWithState, (found) => Effect.forEach(found, status))
