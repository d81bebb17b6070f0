/**
 * The per-API-key gate: open, cooling after a 429 until an instant, or halted after an auth or billing error.
 * While a key cools every caller waits; when the cooldown ends one caller probes first and the others wait for
 * its outcome, so a key that is still punished receives one request, not a stampede.
 *
 * **One cooldown per penalty.** When a 429 starts the server's penalty, the requests already on their way (sent
 * before the key's cooldown began, by this or another process, or sent during it by a caller that raced it) are
 * answered 429 too. Those answers are echoes of the same penalty: a `cooldown` whose `sentAt` is before the end of
 * the key's current cooldown does not move that end. Only a 429 to a request sent after the cooldown ended (the
 * probe, or later) starts a new cooldown; so does one whose `sentAt` is not known, as before.
 *
 * **Servers that extend a penalty.** TrackingMore does not document whether requests that arrive during the
 * penalty extend it. The gate assumes they do not, and its probe tells it when they do: the gate remembers where
 * each echo would have pushed the cooldown (its `until`: its arrival plus the wait) until a probe is answered
 * without a 429; when a probe sent before the latest of those instants is answered 429 (it is the first request
 * sent after the cooldown), the key's server extends penalties, and from then on (until `reset`)
 * every 429 on the key pushes its cooldown later, echoes included. So both behaviours are served: on time when the
 * server does not extend, and after one extra probe and wait, the first time only, when it does. The opposite
 * default could not learn: a gate that waits out every echo never sees a probe answered early.
 *
 * The interface is the contract for other implementations (the Redis gate shares it across processes).
 *
 * @since 0.1.0
 */
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as FiberId from "effect/FiberId"
import * as Layer from "effect/Layer"
import type * as TrackingMoreError from "./TrackingMoreError.js"

/**
 * How a caller passed the gate: `open`, or `probe` — the first caller after a cooldown, which must call
 * `settle` once its attempt is decided so the callers waiting behind it go on.
 *
 * @since 0.1.0
 * @category models
 */
export type Pass = "open" | "probe"

/**
 * A snapshot of one key's state.
 *
 * @since 0.1.0
 * @category models
 */
export type GateState = Data.TaggedEnum<{
  Open: {}
  Cooling: { readonly until: number }
  Halted: { readonly error: TrackingMoreError.TrackingMoreError; readonly until: number | undefined }
}>

/**
 * @since 0.1.0
 * @category constructors
 */
export const GateState = Data.taggedEnum<GateState>()

/**
 * The caller would wait past its deadline (`waitingFor`: a cooldown, by default; a probe in flight; the rate
 * limit, for a gate that also paces): waiting would be pointless, so the caller fails now.
 *
 * @since 0.1.0
 * @category errors
 */
export class DeadlineExceeded extends Data.TaggedError("DeadlineExceeded")<{
  readonly until: number
  readonly deadline: number
  readonly waitingFor?: TrackingMoreError.WaitingFor | undefined
}> {}

/**
 * @since 0.1.0
 * @category models
 */
export interface AwaitOptions {
  /** Epoch ms after which the caller gives up; a cooldown ending later fails at once. */
  readonly deadline?: number | undefined
}

/**
 * @since 0.2.0
 * @category models
 */
export interface CooldownOptions {
  /**
   * When the request answered 429 was sent (epoch ms, the caller's clock). Before the end of the key's current
   * cooldown, the 429 is an echo of the penalty that cooldown stands for and does not push it later (unless the
   * key's server was seen to extend penalties). Undefined: not known, every 429 counts.
   */
  readonly sentAt?: number | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Service {
  /**
   * Wait until the key may be used. Fails with the halting error while the key is halted, and with
   * `DeadlineExceeded` when the cooldown ends after the deadline.
   */
  readonly await: (
    key: string,
    options?: AwaitOptions
  ) => Effect.Effect<Pass, TrackingMoreError.TrackingMoreError | DeadlineExceeded>
  /** The prober's attempt is decided (`confirmed`), or was abandoned and another caller must probe. */
  readonly settle: (key: string, confirmed: boolean) => Effect.Effect<void>
  /**
   * Cool the key until `until` (epoch ms). The later of two cooldowns wins, except that a 429 to a request sent
   * before the current cooldown ended (`sentAt`, epoch ms) is an echo of its penalty and leaves it as it is, until
   * the key's server has been seen to extend penalties (see the module's notes).
   */
  readonly cooldown: (key: string, until: number, options?: CooldownOptions) => Effect.Effect<void>
  /** Halt the key with the error that caused it, for `duration` or until reset. */
  readonly halt: (
    key: string,
    error: TrackingMoreError.TrackingMoreError,
    duration?: Duration.Duration | undefined
  ) => Effect.Effect<void>
  /** Open the key at once, dropping cooldown and halt. */
  readonly reset: (key: string) => Effect.Effect<void>
  /** The key's state now. */
  readonly state: (key: string) => Effect.Effect<GateState>
}

/**
 * @since 0.1.0
 * @category tags
 */
export class Gate extends Context.Tag("@trackingmore-effect/core/Gate")<Gate, Service>() {}

interface KeyState {
  coolingUntil: number
  /** The latest end an echo of the penalty asked for: where the cooldown would end if the server extends. */
  echoUntil: number
  /** A probe met the penalty its echoes would have extended: every 429 on the key now pushes the cooldown later. */
  extending: boolean
  probeNeeded: boolean
  probe: Deferred.Deferred<void> | undefined
  halted: { readonly error: TrackingMoreError.TrackingMoreError; readonly until: number | undefined } | undefined
}

/**
 * An in-memory gate for the callers of one process.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeMemory: Effect.Effect<Service> = Effect.sync(() => {
  const keys = new Map<string, KeyState>()
  const get = (key: string): KeyState => {
    let state = keys.get(key)
    if (state === undefined) {
      state = { coolingUntil: 0, echoUntil: 0, extending: false, probeNeeded: false, probe: undefined, halted: undefined }
      keys.set(key, state)
    }
    return state
  }

  type Step =
    | { readonly _tag: "pass"; readonly pass: Pass }
    | { readonly _tag: "sleep"; readonly millis: number }
    | { readonly _tag: "join"; readonly probe: Deferred.Deferred<void> }
    | { readonly _tag: "halted"; readonly error: TrackingMoreError.TrackingMoreError }
    | { readonly _tag: "deadline"; readonly until: number }

  // One synchronous look at the state: nothing can interleave between the check and the claim.
  const step = (key: string, now: number, deadline: number | undefined): Step => {
    const state = get(key)
    if (state.halted !== undefined) {
      if (state.halted.until === undefined || now < state.halted.until) {
        return { _tag: "halted", error: state.halted.error }
      }
      state.halted = undefined
      state.probeNeeded = true
    }
    if (now < state.coolingUntil) {
      return deadline !== undefined && state.coolingUntil > deadline
        ? { _tag: "deadline", until: state.coolingUntil }
        : { _tag: "sleep", millis: state.coolingUntil - now }
    }
    if (state.probe !== undefined) return { _tag: "join", probe: state.probe }
    if (state.probeNeeded) {
      state.probe = Deferred.unsafeMake<void>(FiberId.none)
      return { _tag: "pass", pass: "probe" }
    }
    return { _tag: "pass", pass: "open" }
  }

  const awaitKey = (
    key: string,
    options?: AwaitOptions
  ): Effect.Effect<Pass, TrackingMoreError.TrackingMoreError | DeadlineExceeded> =>
    Effect.clockWith((clock) => {
      const now = clock.unsafeCurrentTimeMillis()
      const next = step(key, now, options?.deadline)
      switch (next._tag) {
        case "pass":
          return Effect.succeed(next.pass)
        case "halted":
          return Effect.fail(next.error)
        case "deadline":
          return Effect.fail(new DeadlineExceeded({ until: next.until, deadline: options?.deadline ?? now }))
        case "sleep":
          return Effect.zipRight(Effect.sleep(Duration.millis(next.millis)), awaitKey(key, options))
        case "join": {
          // The probe's outcome is awaited no longer than the caller's deadline.
          const deadline = options?.deadline
          const joined = deadline === undefined || !Number.isFinite(deadline)
            ? Deferred.await(next.probe)
            : Effect.timeoutFail(Deferred.await(next.probe), {
              duration: Duration.millis(Math.max(0, deadline - now)),
              onTimeout: () => new DeadlineExceeded({ until: deadline, deadline, waitingFor: "probe" })
            })
          return Effect.zipRight(joined, awaitKey(key, options))
        }
      }
    })

  const settle = (key: string, confirmed: boolean) =>
    Effect.flatMap(Clock.currentTimeMillis, (now) => {
      const state = get(key)
      const probe = state.probe
      if (probe === undefined) return Effect.void
      state.probe = undefined
      // A probe that met another 429 left a new cooldown: the next caller after it probes again.
      state.probeNeeded = !confirmed || now < state.coolingUntil
      // Answered without a 429, the probe shows the penalty over: a 429 after it is a new one, whatever the
      // echoes asked for, and tells nothing about extension.
      if (!state.probeNeeded) state.echoUntil = 0
      return Deferred.succeed(probe, undefined)
    })

  return Gate.of({
    await: awaitKey,
    settle,
    cooldown: (key, until, options) =>
      Effect.sync(() => {
        const state = get(key)
        const sentAt = options?.sentAt
        if (sentAt !== undefined && sentAt < state.coolingUntil) {
          // An echo of the penalty the current cooldown stands for. Its end is remembered: should the probe be
          // answered 429 before it, the server extends penalties for the requests that arrive during them.
          if (!state.extending) {
            state.echoUntil = Math.max(state.echoUntil, until)
            return
          }
        } else if (sentAt !== undefined && sentAt < state.echoUntil) {
          state.extending = true
        }
        state.coolingUntil = Math.max(state.coolingUntil, until)
        state.probeNeeded = true
      }),
    halt: (key, error, duration) =>
      Effect.map(Clock.currentTimeMillis, (now) => {
        get(key).halted = { error, until: duration === undefined ? undefined : now + Duration.toMillis(duration) }
      }),
    reset: (key) =>
      Effect.suspend(() => {
        const probe = keys.get(key)?.probe
        keys.delete(key)
        return probe === undefined ? Effect.void : Deferred.succeed(probe, undefined)
      }),
    state: (key) =>
      Effect.map(Clock.currentTimeMillis, (now): GateState => {
        const state = get(key)
        if (state.halted !== undefined && (state.halted.until === undefined || now < state.halted.until)) {
          return GateState.Halted({ error: state.halted.error, until: state.halted.until })
        }
        return now < state.coolingUntil ? GateState.Cooling({ until: state.coolingUntil }) : GateState.Open()
      })
  })
})

/**
 * The in-memory gate as a layer.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerMemory: Layer.Layer<Gate> = Layer.effect(Gate, makeMemory)
