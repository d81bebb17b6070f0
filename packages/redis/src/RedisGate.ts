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
 * **Failure.** Every cooldown and halt is mirrored into an in-process gate (core's `Gate.makeMemory`), and so is
 * every cooldown or halt read from Redis. When Redis does not answer the call goes on with that in-process gate,
 * which keeps honouring the last known cooldown: losing Redis never lifts a cooldown the process knew of.
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
   * resets leaves nothing behind for ever. The process that saw the error keeps it halted locally until reset.
   */
  readonly untilResetTtl?: Duration.DurationInput | undefined
}

const scriptAwait = RedisConnection.script(scripts.gateAwait)
const scriptCooldown = RedisConnection.script(scripts.gateCooldown)
const scriptSettle = RedisConnection.script(scripts.gateSettle)
const scriptRenew = RedisConnection.script(scripts.leaseRenew)
const scriptHalt = RedisConnection.script(scripts.gateHalt)
const scriptState = RedisConnection.script(scripts.gateState)

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

const asArray = (u: unknown): ReadonlyArray<unknown> => Array.isArray(u) ? u : []
const asNumber = (u: unknown): number => typeof u === "number" ? u : Number(u)

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
    // Keys whose Redis halt is mirrored locally, to drop the mirror once Redis shows the halt gone.
    const mirroredHalts = new Set<string>()

    const redisKeys = (key: string) => [keys.gate(prefix, key), keys.lease(prefix, key), keys.halt(prefix, key)]

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

    const mirrorHalt = (key: string, json: string, redisNow: number) =>
      Effect.flatMap(parseHalt(json), ({ error, until }) => {
        mirroredHalts.add(key)
        return Effect.as(
          local.halt(key, error, until === undefined ? undefined : Duration.millis(Math.max(0, until - redisNow))),
          error
        )
      })

    const clearMirroredHalt = (key: string) =>
      Effect.suspend(() => {
        if (!mirroredHalts.has(key)) return Effect.void
        mirroredHalts.delete(key)
        return local.reset(key)
      })

    const awaitKey = (
      key: string,
      awaitOptions?: Gate.AwaitOptions
    ): Effect.Effect<Gate.Pass, TrackingMoreError.TrackingMoreError | Gate.DeadlineExceeded> =>
      Effect.gen(function*() {
        const token = `${processId}-${++processCounter}`
        const reply = yield* Effect.either(redis.eval(scriptAwait, redisKeys(key), [token, leaseMillis]))
        if (reply._tag === "Left") return yield* local.await(key, awaitOptions)
        const [kind, a, b] = asArray(reply.right)
        switch (kind) {
          case "halted":
            return yield* Effect.flatMap(mirrorHalt(key, String(a), asNumber(b)), Effect.fail)
          case "sleep": {
            yield* clearMirroredHalt(key)
            const remaining = Math.ceil(asNumber(a))
            const now = yield* Clock.currentTimeMillis
            // Mirrored so that a process losing Redis now keeps honouring the cooldown.
            yield* local.cooldown(key, now + remaining)
            const deadline = awaitOptions?.deadline
            if (deadline !== undefined && now + remaining > deadline) {
              return yield* Effect.fail(new Gate.DeadlineExceeded({ until: now + remaining, deadline }))
            }
            yield* Effect.sleep(Duration.millis(remaining))
            return yield* awaitKey(key, awaitOptions)
          }
          case "join":
            yield* clearMirroredHalt(key)
            yield* Effect.sleep(pollInterval)
            return yield* awaitKey(key, awaitOptions)
          case "probe":
            yield* clearMirroredHalt(key)
            yield* takeLease(key, token)
            return "probe" as const
          default:
            yield* clearMirroredHalt(key)
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
          redis.eval(scriptCooldown, [keys.gate(prefix, key)], [Math.max(0, until - now).toFixed(3), marginMillis])
        )
        if (reply._tag === "Left") return yield* local.cooldown(key, until)
        const [effective, redisNow] = asArray(reply.right).map(asNumber)
        const localUntil = effective !== undefined && redisNow !== undefined && Number.isFinite(effective - redisNow)
          ? now + Math.ceil(effective - redisNow)
          : until
        yield* local.cooldown(key, Math.max(until, localUntil))
      })

    const halt = (key: string, error: TrackingMoreError.TrackingMoreError, duration?: Duration.Duration) =>
      Effect.gen(function*() {
        yield* local.halt(key, error, duration)
        const encoded = yield* encodeError(error).pipe(
          Effect.orElseSucceed(() => ({ _tag: error._tag, message: error.message }))
        )
        const result = yield* Effect.either(
          redis.eval(scriptHalt, [keys.gate(prefix, key), keys.halt(prefix, key)], [
            JSON.stringify(encoded),
            duration === undefined || !Duration.isFinite(duration) ? "" : Duration.toMillis(duration).toFixed(3),
            marginMillis,
            untilResetTtlMillis
          ])
        )
        if (result._tag === "Right") mirroredHalts.add(key)
      })

    const reset = (key: string) =>
      Effect.gen(function*() {
        yield* dropLease(key)
        mirroredHalts.delete(key)
        yield* local.reset(key)
        yield* Effect.ignore(redis.use((client) => client.del(...redisKeys(key))))
      })

    const state = (key: string) =>
      Effect.gen(function*() {
        const reply = yield* Effect.either(redis.eval(scriptState, [keys.gate(prefix, key), keys.halt(prefix, key)], []))
        if (reply._tag === "Left") return yield* local.state(key)
        const [redisNowRaw, coolRaw, haltJson] = asArray(reply.right)
        const redisNow = asNumber(redisNowRaw)
        const now = yield* Clock.currentTimeMillis
        const toLocal = (instant: number) => now + Math.ceil(instant - redisNow)
        if (typeof haltJson === "string") {
          const { error, until } = yield* parseHalt(haltJson)
          return Gate.GateState.Halted({ error, until: until === undefined ? undefined : toLocal(until) })
        }
        const cool = asNumber(coolRaw)
        return redisNow < cool ? Gate.GateState.Cooling({ until: toLocal(cool) }) : Gate.GateState.Open()
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
