/**
 * The combinator that runs one logical call: pass the key's gate, run the attempt, ask the policy, then cool
 * the key, back off, re-poll, halt or fail. It spends the retry budget, checks the deadline before every wait
 * (a wait that would end after it fails now, with the last error) and stops at once when interrupted.
 *
 * @since 0.1.0
 */
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import { dual } from "effect/Function"
import * as Metric from "effect/Metric"
import * as Option from "effect/Option"
import * as Gate from "./Gate.js"
import * as Policy from "./Policy.js"
import type * as RateLimit from "./RateLimit.js"
import * as RetryBudget from "./RetryBudget.js"
import * as TrackingMoreError from "./TrackingMoreError.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface RetryOptions<R = never> {
  /**
   * Identifies the API key in the gate and the budget. Never the key itself: a fingerprint, so that the secret
   * reaches no map, no Redis key and no span.
   */
  readonly key: string
  /** Whether repeating the request is safe (500s and transport errors are retried only then). */
  readonly idempotent: boolean
  readonly policy?: Policy.PolicyConfig | undefined
  /** Overrides the policy's deadline for this call. */
  readonly deadline?: Duration.DurationInput | undefined
  /** Runs once before the first 4031 re-poll, e.g. to register the tracking; its failure ends the call. */
  readonly onNotRegistered?:
    | ((error: TrackingMoreError.NotRegistered) => Effect.Effect<void, TrackingMoreError.TrackingMoreError, R>)
    | undefined
}

/**
 * The gate and budget of a call, given directly instead of read from the context: a client that owns them
 * saves providing them on every call.
 *
 * @since 0.1.0
 * @category models
 */
export interface RetryServices {
  readonly gate: Gate.Service
  readonly budget: RetryBudget.Service
  /** The rate limit of the call's endpoint group; without it the call is not paced. */
  readonly rateLimit?: RateLimit.RateLimit | undefined
}

/**
 * Counters every call feeds, tagged by error tag or wait reason.
 *
 * @since 0.1.0
 * @category metrics
 */
export const metrics = {
  /** Attempts sent, by endpoint is the client's to add. */
  attempts: Metric.counter("trackingmore_attempts_total", { description: "Attempts sent to TrackingMore" }),
  /** Failed attempts, tagged `tag`. */
  errors: Metric.counter("trackingmore_errors_total", { description: "Failed attempts by error tag" }),
  /**
   * Waits taken, tagged `reason`: cooldown, backoff, repoll, or gate (another caller's cooldown or probe, a turn
   * under the endpoint group's rate limit).
   */
  waits: Metric.counter("trackingmore_waits_total", { description: "Waits by reason" })
} as const

/**
 * Why a call waited.
 *
 * @since 0.1.0
 * @category models
 */
export type WaitReason = "cooldown" | "backoff" | "repoll" | "gate"

// Events carry millis: a clock advanced by fractional sleeps (TestClock) cannot give whole nanoseconds.
const recordWait = (reason: WaitReason, delay: Duration.Duration, tag: TrackingMoreError.Tag | undefined) =>
  Effect.gen(function*() {
    yield* Metric.increment(Metric.tagged(metrics.waits, "reason", reason))
    const span = yield* Effect.option(Effect.currentSpan)
    if (Option.isNone(span)) return
    const now = yield* Clock.currentTimeMillis
    span.value.event("trackingmore.wait", BigInt(Math.round(now)) * 1_000_000n, {
      "trackingmore.wait.reason": reason,
      "trackingmore.wait.ms": Duration.toMillis(delay),
      ...(tag === undefined ? {} : { "trackingmore.error.tag": tag })
    })
  })

const annotate = (attempts: number, outcome: string) =>
  Effect.annotateCurrentSpan({ "trackingmore.attempts": attempts, "trackingmore.outcome": outcome })

/** How a caller passed the gate, with what it must do once its attempt is decided (a probe settles). */
interface Admission {
  readonly settle: (confirmed: boolean) => Effect.Effect<void>
}

/**
 * Run one logical call under the gate, the policy, the budget and the deadline: pass the key's gate, run the
 * attempt, and on failure do what the policy decides (cool the key, back off, re-poll, halt or fail). The gate
 * and budget come from the context, or from `options.services` when given, with the rate limit of the call's
 * endpoint group: after the gate the call waits for its turn under it, and goes back to the gate when the key
 * began to cool while it waited.
 *
 * @since 0.1.0
 * @category combinators
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Gate, Retry, RetryBudget } from "@trackingmore-effect/core"
 * declare const attempt: Effect.Effect<string, import("@trackingmore-effect/core").TrackingMoreError.TrackingMoreError>
 * const call = attempt.pipe(
 *   Retry.run({ key: "key-fingerprint", idempotent: true }),
 *   Effect.provide(Gate.layerMemory),
 *   Effect.provide(RetryBudget.layerMemory)
 * )
 * ```
 */
export const run: {
  <R2 = never>(
    options: RetryOptions<R2> & { readonly services: RetryServices }
  ): <A, R>(
    attempt: Effect.Effect<A, TrackingMoreError.TrackingMoreError, R>
  ) => Effect.Effect<A, TrackingMoreError.TrackingMoreError, R | R2>
  <R2 = never>(
    options: RetryOptions<R2>
  ): <A, R>(
    attempt: Effect.Effect<A, TrackingMoreError.TrackingMoreError, R>
  ) => Effect.Effect<A, TrackingMoreError.TrackingMoreError, R | R2 | Gate.Gate | RetryBudget.RetryBudget>
  <A, R, R2 = never>(
    attempt: Effect.Effect<A, TrackingMoreError.TrackingMoreError, R>,
    options: RetryOptions<R2> & { readonly services: RetryServices }
  ): Effect.Effect<A, TrackingMoreError.TrackingMoreError, R | R2>
  <A, R, R2 = never>(
    attempt: Effect.Effect<A, TrackingMoreError.TrackingMoreError, R>,
    options: RetryOptions<R2>
  ): Effect.Effect<A, TrackingMoreError.TrackingMoreError, R | R2 | Gate.Gate | RetryBudget.RetryBudget>
} = dual(2, <A, R, R2 = never>(
  attempt: Effect.Effect<A, TrackingMoreError.TrackingMoreError, R>,
  options: RetryOptions<R2> & { readonly services?: RetryServices | undefined }
): Effect.Effect<A, TrackingMoreError.TrackingMoreError, R | R2 | Gate.Gate | RetryBudget.RetryBudget> =>
  Effect.gen(function*() {
    const { budget, gate, rateLimit } = options.services ??
      { gate: yield* Gate.Gate, budget: yield* RetryBudget.RetryBudget, rateLimit: undefined }
    const policy = options.policy ?? Policy.defaults
    const deadline = (yield* Clock.currentTimeMillis) + Duration.toMillis(options.deadline ?? policy.deadline)
    let state = Policy.initialState(options.idempotent)
    let lastError: TrackingMoreError.TrackingMoreError | undefined
    let registered = false
    // When the current attempt was sent: a 429 to a request sent before the key's cooldown began is an echo.
    let sentAt = 0

    // Fails with `error` when a wait of `delay` would end after the deadline.
    const checkDeadline = (delay: Duration.Duration, error: TrackingMoreError.TrackingMoreError) =>
      Effect.flatMap(
        Clock.currentTimeMillis,
        (now) => now + Duration.toMillis(delay) > deadline ? Effect.fail(error) : Effect.void
      )

    // Waiting at the gate (another caller's cooldown or probe) and for a turn under the rate limit are waits too.
    // A wait past the deadline fails with the call's last answer or, when nothing was answered yet, with
    // `DeadlineExceeded`: nothing was sent, so no status code would be true.
    const overDeadline = (error: TrackingMoreError.TrackingMoreError | Gate.DeadlineExceeded) =>
      Effect.fail(
        TrackingMoreError.isTrackingMoreError(error)
          ? error
          : lastError ?? TrackingMoreError.deadlineExceeded(error.waitingFor ?? "cooldown", error.until)
      )

    // A probe pass must be settled if its holder fails or is interrupted while it waits for its turn: otherwise
    // every other caller on the key would wait for it forever.
    const takeTurn = (pass: Gate.Pass, rateLimit: RateLimit.RateLimit) => {
      const turn = Effect.catchAll(rateLimit.take(deadline), overDeadline)
      return pass === "probe"
        ? Effect.onExit(turn, (exit) => Exit.isSuccess(exit) ? Effect.void : gate.settle(options.key, false))
        : turn
    }

    const admit: Effect.Effect<Gate.Pass, TrackingMoreError.TrackingMoreError> = Effect.gen(function*() {
      const before = yield* Clock.currentTimeMillis
      const pass = yield* Effect.catchAll(gate.await(options.key, { deadline }), overDeadline)
      const waited = (yield* Clock.currentTimeMillis) - before
      if (waited > 0) yield* recordWait("gate", Duration.millis(waited), undefined)
      if (rateLimit === undefined) return pass
      // The key has just cooled when this caller probes, or when the gate held it for a turn or more (only a
      // cooldown or a probe in flight holds callers; a busy event loop makes an open gate take a millisecond).
      if (pass === "probe" || waited >= rateLimit.interval) yield* rateLimit.slowDown
      const beforeTurn = yield* Clock.currentTimeMillis
      const slept = yield* takeTurn(pass, rateLimit)
      const turnWait = (yield* Clock.currentTimeMillis) - beforeTurn
      if (turnWait > 0) yield* recordWait("gate", Duration.millis(turnWait), undefined)
      // A caller that slept for its turn may have missed a cooldown that began meanwhile: no request is sent
      // inside a cooldown.
      if (pass === "open" && slept && (yield* gate.state(options.key))._tag !== "Open") return yield* admit
      return pass
    })

    // What follows a failed attempt; succeeds when the call goes round again.
    const afterFailure = (error: TrackingMoreError.TrackingMoreError, admission: Admission) =>
      Effect.gen(function*() {
        lastError = error
        yield* Metric.increment(Metric.tagged(metrics.errors, "tag", error._tag))
        const decision = yield* Policy.decide(error, state, policy)
        switch (decision._tag) {
          case "Fail":
            return yield* Effect.fail(error)
          case "Halt":
            yield* gate.halt(options.key, error, decision.duration)
            return yield* Effect.fail(error)
          case "Cooldown": {
            // Every caller on the key must learn of the 429, even if this one then gives up. The caller does not
            // sleep here: it goes back to the gate, which holds it (and everyone) until the cooldown ends.
            const now = yield* Clock.currentTimeMillis
            yield* gate.cooldown(options.key, now + Duration.toMillis(decision.delay), { sentAt })
            // An echo of a penalty already known leaves the key's cooldown where it was: the caller waits for
            // that one, which may end much sooner than two minutes from now.
            const key = yield* gate.state(options.key)
            const wait = key._tag === "Cooling" ? Duration.millis(Math.max(0, key.until - now)) : decision.delay
            yield* checkDeadline(wait, error)
            yield* recordWait("cooldown", wait, error._tag)
            break
          }
          case "Retry": {
            yield* checkDeadline(decision.delay, error)
            const kind = error._tag === "TransportError" && error.kind === "timeout" ? "timeout" : "retry"
            if (!(yield* budget.withdraw(options.key, kind))) return yield* Effect.fail(error)
            yield* recordWait("backoff", decision.delay, error._tag)
            yield* admission.settle(true)
            yield* Effect.sleep(decision.delay)
            break
          }
          case "Repoll": {
            yield* checkDeadline(decision.delay, error)
            yield* admission.settle(true)
            if (!registered && options.onNotRegistered !== undefined && error._tag === "NotRegistered") {
              registered = true
              yield* options.onNotRegistered(error)
            }
            yield* recordWait("repoll", decision.delay, error._tag)
            yield* Effect.sleep(decision.delay)
            break
          }
        }
        state = Policy.advance(state, decision)
      })

    // One attempt after passing the gate: `Some` when the call is done, `None` when it goes round again. A prober
    // settles after its decision is applied, so waiters see a new cooldown, never a gap.
    const attemptOnce = (admission: Admission) =>
      Effect.gen(function*() {
        state = { ...state, attempt: state.attempt + 1 }
        yield* Metric.increment(metrics.attempts)
        sentAt = yield* Clock.currentTimeMillis
        const exit = yield* Effect.exit(attempt)
        if (Exit.isSuccess(exit)) {
          yield* budget.deposit(options.key)
          yield* annotate(state.attempt, "ok")
          yield* admission.settle(true)
          return Option.some(exit.value)
        }
        const failure = Cause.failureOption(exit.cause)
        if (Option.isNone(failure)) return yield* Effect.failCause(exit.cause as Cause.Cause<never>)
        yield* annotate(state.attempt, failure.value._tag)
        yield* afterFailure(failure.value, admission)
        return Option.none<A>()
      })

    // A probe pass must always be settled, even when the caller is interrupted the moment it gets it: otherwise
    // every other caller on the key would wait for it forever.
    const round = Effect.uninterruptibleMask((restore) =>
      Effect.flatMap(restore(admit), (pass) => {
        if (pass === "open") return restore(attemptOnce({ settle: () => Effect.void }))
        let settled = false
        const settle = (confirmed: boolean) =>
          Effect.suspend(() => {
            if (settled) return Effect.void
            settled = true
            return gate.settle(options.key, confirmed)
          })
        return Effect.onExit(restore(attemptOnce({ settle })), (exit) => settle(!Exit.isInterrupted(exit)))
      })
    )

    while (true) {
      const outcome = yield* Effect.tapError(round, (error) => annotate(state.attempt, error._tag))
      if (Option.isSome(outcome)) return outcome.value
    }
  }))
