/**
 * The combinator that runs one logical call: pass the key's gate, run the attempt, ask the policy, then cool
 * the key, back off, re-poll, halt or fail. It spends the retry budget, checks the deadline before every wait
 * (a wait that would end after it fails now, with the last error) and stops at once when interrupted.
 *
 * @since 0.1.0
 */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Metric from "effect/Metric"
import * as Option from "effect/Option"
import * as Gate from "./Gate.js"
import * as Policy from "./Policy.js"
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
  /** Waits taken, tagged `reason`: cooldown, backoff, repoll, or gate (another caller's cooldown or probe, a rate limit). */
  waits: Metric.counter("trackingmore_waits_total", { description: "Waits by reason" })
} as const

/**
 * Why a call waited.
 *
 * @since 0.1.0
 * @category models
 */
export type WaitReason = "cooldown" | "backoff" | "repoll" | "gate"

const spanEvent = (name: string, attributes: Record<string, unknown>) =>
  Effect.flatMap(Effect.option(Effect.currentSpan), (span) =>
    Option.isNone(span)
      ? Effect.void
      // From millis: a clock advanced by fractional sleeps (TestClock) cannot give whole nanoseconds.
      : Effect.map(
        Clock.currentTimeMillis,
        (now) => span.value.event(name, BigInt(Math.round(now)) * 1_000_000n, attributes)
      ))

const recordWait = (reason: WaitReason, delay: Duration.Duration, tag: TrackingMoreError.Tag | undefined) =>
  Effect.zipRight(
    Metric.increment(Metric.tagged(metrics.waits, "reason", reason)),
    spanEvent(`trackingmore.wait`, {
      "trackingmore.wait.reason": reason,
      "trackingmore.wait.ms": Duration.toMillis(delay),
      ...(tag === undefined ? {} : { "trackingmore.error.tag": tag })
    })
  )

/**
 * Run one logical call under the gate, the policy, the budget and the deadline.
 *
 * @since 0.1.0
 * @category combinators
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Gate, Retry, RetryBudget } from "@trackingmore-effect/core"
 * declare const attempt: Effect.Effect<string, import("@trackingmore-effect/core").TrackingMoreError.TrackingMoreError>
 * const call = Retry.run(attempt, { key: "key-fingerprint", idempotent: true }).pipe(
 *   Effect.provide(Gate.layerMemory),
 *   Effect.provide(RetryBudget.layerMemory())
 * )
 * ```
 */
export const run = <A, R, R2 = never>(
  attempt: Effect.Effect<A, TrackingMoreError.TrackingMoreError, R>,
  options: RetryOptions<R2>
): Effect.Effect<A, TrackingMoreError.TrackingMoreError, R | R2 | Gate.Gate | RetryBudget.RetryBudget> =>
  Effect.suspend(() => {
    let state = Policy.initialState(options.idempotent)
    return Effect.gen(function*() {
      // Annotated synchronously rather than with `annotateCurrentSpan` effects: this is every call's hot path.
      const span = Option.getOrUndefined(yield* Effect.option(Effect.currentSpan))
      const finish = (outcome: string) => {
        span?.attribute("trackingmore.attempts", state.attempt)
        span?.attribute("trackingmore.outcome", outcome)
      }
      const gate = yield* Gate.Gate
      const budget = yield* RetryBudget.RetryBudget
      const policy = options.policy ?? Policy.defaults
      const deadline = (yield* Clock.currentTimeMillis) +
        Duration.toMillis(options.deadline ?? policy.deadline)
      let lastError: TrackingMoreError.TrackingMoreError | undefined
      let registered = false

      const passGate = gate.await(options.key, { deadline }).pipe(
        Effect.catchTag("DeadlineExceeded", (exceeded) =>
          Effect.fail(
            lastError ?? TrackingMoreError.fromCode(429, {
              serverMessage: `the API key cools down until ${
                new Date(exceeded.until).toISOString()
              }, after this call's deadline`
            })
          ))
      )

      // Fails with `error` when a wait of `delay` would end after the deadline.
      const withinDeadline = (delay: Duration.Duration, error: TrackingMoreError.TrackingMoreError) =>
        Effect.flatMap(
          Clock.currentTimeMillis,
          (now) => now + Duration.toMillis(delay) > deadline ? Effect.fail(error) : Effect.void
        )

      // Waiting at the gate (another caller's cooldown, a probe in flight, a rate-limit token) is a wait too.
      const timedPass = Effect.flatMap(Clock.currentTimeMillis, (before) =>
        passGate.pipe(
          Effect.tapError((error) => Effect.sync(() => finish(error._tag))),
          Effect.tap(() =>
            Effect.flatMap(Clock.currentTimeMillis, (after) =>
              after > before ? recordWait("gate", Duration.millis(after - before), undefined) : Effect.void)
          )
        ))

      const iteration = (pass: Gate.Pass) => {
        // The prober settles after its decision is applied, so waiters see a new cooldown, never a gap.
        let settled = pass === "open"
        const settle = (confirmed: boolean) =>
          settled ? Effect.void : Effect.suspend(() => {
            settled = true
            return gate.settle(options.key, confirmed)
          })
        const step = Effect.gen(function*() {
          state = { ...state, attempt: state.attempt + 1 }
          yield* countAttempt
          const result = yield* Effect.either(attempt)
          if (result._tag === "Right") {
            yield* budget.deposit(options.key)
            yield* settle(true)
            finish("ok")
            return Option.some(result.right)
          }
          const error = result.left
          lastError = error
          finish(error._tag)
          yield* Metric.increment(Metric.tagged(metrics.errors, "tag", error._tag))
          const decision = yield* Policy.decide(error, state, policy)
          switch (decision._tag) {
            case "Fail":
              return yield* Effect.fail(error)
            case "Halt":
              yield* gate.halt(options.key, error, decision.duration)
              return yield* Effect.fail(error)
            case "Cooldown": {
              // Every caller on the key must learn of the 429, even if this one then gives up.
              yield* gate.cooldown(options.key, (yield* Clock.currentTimeMillis) + Duration.toMillis(decision.delay))
              yield* withinDeadline(decision.delay, error)
              yield* recordWait("cooldown", decision.delay, error._tag)
              break
            }
            case "Retry": {
              yield* withinDeadline(decision.delay, error)
              const kind = error._tag === "TransportError" && error.kind === "timeout" ? "timeout" : "retry"
              if (!(yield* budget.withdraw(options.key, kind))) return yield* Effect.fail(error)
              yield* recordWait("backoff", decision.delay, error._tag)
              yield* settle(true)
              yield* Effect.sleep(decision.delay)
              break
            }
            case "Repoll": {
              yield* withinDeadline(decision.delay, error)
              yield* settle(true)
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
          return Option.none<A>()
        })
        return { step, settle, probing: !settled }
      }

      while (true) {
        // A probe pass must always be settled, even when the caller is interrupted the moment it gets it:
        // otherwise every other caller on the key would wait for it forever.
        const outcome = yield* Effect.uninterruptibleMask((restore) =>
          Effect.flatMap(restore(timedPass), (pass) => {
            const { probing, settle, step } = iteration(pass)
            return probing ? Effect.onExit(restore(step), (exit) => settle(!Exit.isInterrupted(exit))) : restore(step)
          })
        )
        if (Option.isSome(outcome)) return outcome.value
      }
    })
  })

const countAttempt = Metric.increment(metrics.attempts)
