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
 * **One cooldown per penalty**, as core's in-memory gate does it, fleet-wide: a 429 to a request sent before the
 * end of the key's cooldown (before it began, in any process, or during it) is an echo of the penalty that
 * cooldown stands for and does not push it later; only a 429 to a request sent after the cooldown ended (the probe,
 * or later) cools the key again. The send instant is compared on Redis `TIME` too: `sentAt` is turned into an age
 * (the caller's now minus `sentAt`) and the script takes it back from its own now. When a probe is answered 429
 * before the end the echoes would have pushed the cooldown to, the key's server extends penalties for the requests
 * that arrive during them: the fleet learns it in Redis (every 429 on the key counts from then on, echoes
 * included) and keeps it `untilResetTtl` after it was last seen, or until a reset.
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
import type * as Scope from "effect/Scope"
import * as Gate from "@trackingmore-effect/core/Gate"
import type * as TrackingMoreError from "@trackingmore-effect/core/TrackingMoreError"
import { asArray, asNumber, encodeJson } from "./internal/gateCodec.js"
import * as Knowledge from "./internal/gateKnowledge.js"
import * as Status from "./internal/gateStatus.js"
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
   * (while Redis does not answer they keep it until reset). Also the least time a reset's marker is kept, and how
   * long the fleet remembers that the key's server extends penalties after it last saw it do so.
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
): Effect.Effect<Gate.Service, never, RedisConnection.RedisConnection | Scope.Scope> =>
  Effect.gen(function*() {
    const redis = yield* RedisConnection.RedisConnection
    const untilResetTtlMillis = Math.max(1, Math.round(Duration.toMillis(options.untilResetTtl ?? Duration.days(1))))
    const scope = yield* Effect.scope
    const pollInterval = Duration.decode(options.pollInterval ?? Duration.millis(50))
    const leaseMillis = Math.max(1, Math.round(Duration.toMillis(options.leaseDuration ?? Duration.seconds(15))))
    const marginMillis = Math.max(1, Math.round(Duration.toMillis(options.keyMargin ?? Duration.seconds(60))))
    const prefix = redis.prefix
    // What this process knows of its keys, with the in-process gate that mirrors it (see internal/gateKnowledge).
    const known = yield* Knowledge.make({ marginMillis, untilResetTtlMillis })
    const local = known.local

    // Leases this process holds, by key, with the fiber that renews each.
    const leases = new Map<string, { readonly token: string; readonly renewal: Fiber.RuntimeFiber<unknown> }>()

    const stateKeys = (key: string) => [keys.gate(prefix, key), keys.halt(prefix, key), keys.reset(prefix, key)]

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
            ...known.restoreArgs(key, asked),
            token,
            leaseMillis
          ])
        )
        if (reply._tag === "Left") return yield* local.await(key, awaitOptions)
        const [forget, kind, a, b, c] = asArray(reply.right)
        yield* known.reconcile(key, asNumber(forget), asked)
        switch (kind) {
          case "halted": {
            const now = yield* Clock.currentTimeMillis
            const { error } = yield* known.learnHaltFromRedis(key, String(a), asNumber(b), asNumber(c), now)
            return yield* Effect.fail(error)
          }
          case "sleep": {
            const remaining = Math.ceil(asNumber(a))
            const now = yield* Clock.currentTimeMillis
            // Known (and mirrored) so that this process keeps honouring it if Redis forgets it or goes away.
            const redisUntil = asNumber(b)
            yield* known.learnCooldown(key, {
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

    // The send instant goes to Redis as an age (this process's now minus `sentAt`): the script takes it back on
    // TIME, so that a process whose clock is off cannot make an echo look like a new penalty, or the reverse.
    const cooldown = (key: string, until: number, cooldownOptions?: Gate.CooldownOptions) =>
      Effect.gen(function*() {
        const now = yield* Clock.currentTimeMillis
        const sentAt = cooldownOptions?.sentAt
        const reply = yield* Effect.either(
          redis.eval(scriptCooldown, stateKeys(key), [
            ...known.restoreArgs(key, now),
            Math.max(0, until - now).toFixed(3),
            sentAt === undefined ? "" : Math.max(0, now - sentAt).toFixed(3),
            ...known.extensionArgs(key, now)
          ])
        )
        if (reply._tag === "Left") {
          // Set while Redis is away: kept with no Redis instant, and put back (re-anchored) once Redis answers. An
          // echo of the cooldown this process knows leaves it as it is.
          const before = known.cooldown(key)
          const echo = sentAt !== undefined && before !== undefined && sentAt < before.until && !known.extending(key, now)
          if (echo || (before !== undefined && before.until >= until)) return
          return yield* known.learnCooldown(key, { until, redisUntil: undefined, learnedAt: now })
        }
        const [forget, effective, redisNow, extending, counted] = asArray(reply.right).map(asNumber)
        yield* known.reconcile(key, forget ?? 0, now)
        if (extending === 1) known.learnExtension(key, now)
        const valid = effective !== undefined && redisNow !== undefined && Number.isFinite(effective - redisNow)
        if (!valid) return yield* known.learnCooldown(key, { until, redisUntil: undefined, learnedAt: now })
        const redisLeft = Math.ceil(effective - redisNow)
        // An echo learns the cooldown as Redis has it (when it still runs), never its own end.
        if (counted !== 1 && redisLeft <= 0) return
        yield* known.learnCooldown(key, {
          until: counted === 1 ? Math.max(until, now + redisLeft) : now + redisLeft,
          redisUntil: effective,
          learnedAt: now
        })
      })

    const halt = (key: string, error: TrackingMoreError.TrackingMoreError, duration?: Duration.Duration) =>
      Effect.gen(function*() {
        const now = yield* Clock.currentTimeMillis
        const errorJson = yield* encodeJson(error)
        const until = duration === undefined || !Duration.isFinite(duration) ? undefined : now + Duration.toMillis(duration)
        yield* known.learnHalt(key, { error, errorJson, until, keptUntil: until ?? now + untilResetTtlMillis, learnedAt: now }, now)
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
        yield* known.forget(key)
        // The marker tells the processes that learned this key's state before now to drop it.
        yield* Effect.ignore(
          redis.eval(scriptReset, [...stateKeys(key), keys.lease(prefix, key)], [untilResetTtlMillis])
        )
      })

    const state = (key: string) =>
      Effect.gen(function*() {
        const asked = yield* Clock.currentTimeMillis
        const reply = yield* Effect.either(redis.eval(scriptState, stateKeys(key), known.restoreArgs(key, asked)))
        if (reply._tag === "Left") return yield* local.state(key)
        const [forget, redisNowRaw, coolRaw, haltJson, haltPttl] = asArray(reply.right)
        yield* known.reconcile(key, asNumber(forget), asked)
        const redisNow = asNumber(redisNowRaw)
        const now = yield* Clock.currentTimeMillis
        if (typeof haltJson === "string") {
          const { error, until } = yield* known.learnHaltFromRedis(key, haltJson, redisNow, asNumber(haltPttl), now)
          return Gate.GateState.Halted({ error, until })
        }
        const cool = asNumber(coolRaw)
        if (!(redisNow < cool)) return Gate.GateState.Open()
        const until = now + Math.ceil(cool - redisNow)
        yield* known.learnCooldown(key, { until, redisUntil: cool, learnedAt: now })
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
  /**
   * Whether a probe found the key's server extending a penalty for the requests that arrived during it: then every
   * 429 on the key pushes its cooldown later, echoes included (kept `untilResetTtl` after it was last seen, or
   * until a reset).
   */
  readonly extendsPenalty: boolean
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

/**
 * The gate of one key fingerprint as Redis holds it, read in one atomic script that changes nothing.
 *
 * @since 0.2.0
 * @category inspection
 */
export const status: (
  key: string
) => Effect.Effect<KeyStatus, RedisConnection.RedisUnavailable, RedisConnection.RedisConnection> = Status.status

/**
 * The fingerprint of every key that has a gate in Redis under the connection's prefix (a cooldown, a halt, a
 * learned penalty extension, a probe lease or a reset marker), in order, found with `SCAN` (never `KEYS`, which
 * blocks a busy Redis).
 *
 * @since 0.2.0
 * @category inspection
 */
export const keysWithState: Effect.Effect<
  ReadonlyArray<string>,
  RedisConnection.RedisUnavailable,
  RedisConnection.RedisConnection
> = Status.keysWithState

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
