/**
 * The combinator that runs one logical call: pass the key's gate, run the attempt, ask the policy, then cool
 * the key, back off, re-poll, halt or fail. It spends the retry budget, checks the deadline before every wait
 * (a wait that would end after it fails now, with the last error) and stops at once when interrupted.
 *
 * @since 0.1.0
 */
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FiberRef from "effect/FiberRef"
import * as Metric from "effect/Metric"
import * as Option from "effect/Option"
import type * as Tracer from "effect/Tracer"
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
 * The gate and budget of a call, given directly instead of read from the context: a client that owns them
 * saves providing them on every call.
 *
 * @since 0.1.0
 * @category models
 */
export interface RetryServices {
  readonly gate: Gate.Gate
  readonly budget: RetryBudget.RetryBudget
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

// Events carry millis: a clock advanced by fractional sleeps (TestClock) cannot give whole nanoseconds.
const recordWait = (
  span: Tracer.Span | undefined,
  clock: Clock.Clock,
  reason: WaitReason,
  delay: Duration.Duration,
  tag: TrackingMoreError.Tag | undefined
) =>
  Effect.zipRight(
    Metric.increment(Metric.tagged(metrics.waits, "reason", reason)),
    Effect.sync(() =>
      span?.event("trackingmore.wait", BigInt(Math.round(clock.unsafeCurrentTimeMillis())) * 1_000_000n, {
        "trackingmore.wait.reason": reason,
        "trackingmore.wait.ms": Duration.toMillis(delay),
        ...(tag === undefined ? {} : { "trackingmore.error.tag": tag })
      })
    )
  )

/**
 * Run one logical call under the gate, the policy, the budget and the deadline. The gate and budget come from
 * the context, or from `options.services` when given.
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
export const run: {
  <A, R, R2 = never>(
    attempt: Effect.Effect<A, TrackingMoreError.TrackingMoreError, R>,
    options: RetryOptions<R2> & { readonly services: RetryServices }
  ): Effect.Effect<A, TrackingMoreError.TrackingMoreError, R | R2>
  <A, R, R2 = never>(
    attempt: Effect.Effect<A, TrackingMoreError.TrackingMoreError, R>,
    options: RetryOptions<R2>
  ): Effect.Effect<A, TrackingMoreError.TrackingMoreError, R | R2 | Gate.Gate | RetryBudget.RetryBudget>
} = <A, R, R2 = never>(
  attempt: Effect.Effect<A, TrackingMoreError.TrackingMoreError, R>,
  options: RetryOptions<R2> & { readonly services?: RetryServices | undefined }
): Effect.Effect<A, TrackingMoreError.TrackingMoreError, R | R2 | Gate.Gate | RetryBudget.RetryBudget> =>
  // Every call of every client runs through here, so the success path is kept to a handful of operations: the
  // span, services and clock are read from the fiber synchronously, and no generator or fiber is created.
  Effect.withFiberRuntime((fiber) => {
    const current = fiber.currentSpan
    const span = current?._tag === "Span" ? current : undefined
    const gate = options.services?.gate ??
      Context.get(fiber.currentContext as Context.Context<Gate.Gate>, Gate.Gate)
    const budget = options.services?.budget ??
      Context.get(fiber.currentContext as Context.Context<RetryBudget.RetryBudget>, RetryBudget.RetryBudget)
    const clock = Context.get(fiber.currentDefaultServices, Clock.Clock)
    const policy = options.policy ?? Policy.defaults
    const deadline = clock.unsafeCurrentTimeMillis() + Duration.toMillis(options.deadline ?? policy.deadline)
    let state = Policy.initialState(options.idempotent)
    let lastError: TrackingMoreError.TrackingMoreError | undefined
    let registered = false

    const finish = (outcome: string) => {
      span?.attribute("trackingmore.attempts", state.attempt)
      span?.attribute("trackingmore.outcome", outcome)
    }

    // Fails with `error` when a wait of `delay` would end after the deadline.
    const withinDeadline = (delay: Duration.Duration, error: TrackingMoreError.TrackingMoreError) =>
      Effect.suspend(() =>
        clock.unsafeCurrentTimeMillis() + Duration.toMillis(delay) > deadline ? Effect.fail(error) : Effect.void
      )

    // One attempt after a pass: succeeds with `Some` when the call is done, `None` when it goes round again.
    // A prober settles after its decision is applied, so waiters see a new cooldown, never a gap.
    const step = (settle: ((confirmed: boolean) => Effect.Effect<void>) | undefined) =>
      // Counted when the attempt starts: an interruption pending when the caller passed the gate counts nothing.
      Effect.suspend(() => {
        state = { ...state, attempt: state.attempt + 1 }
        // What `Metric.increment` does, without its two runtime steps.
        metrics.attempts.unsafeUpdate(1, fiber.getFiberRef(FiberRef.currentMetricLabels))
        return Effect.matchEffect(attempt, {
          onSuccess: (value) =>
            Effect.flatMap(budget.deposit(options.key), () => {
              finish("ok")
              return settle === undefined ? Effect.succeed(Option.some(value)) : Effect.as(settle(true), Option.some(value))
            }),
          onFailure: (error) => afterFailure(error, settle ?? settleOpen)
        })
      })

    const afterFailure = (
      error: TrackingMoreError.TrackingMoreError,
      settle: (confirmed: boolean) => Effect.Effect<void>
    ): Effect.Effect<Option.Option<A>, TrackingMoreError.TrackingMoreError, R2> =>
      Effect.gen(function*() {
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
            yield* gate.cooldown(options.key, clock.unsafeCurrentTimeMillis() + Duration.toMillis(decision.delay))
            yield* withinDeadline(decision.delay, error)
            yield* recordWait(span, clock, "cooldown", decision.delay, error._tag)
            break
          }
          case "Retry": {
            yield* withinDeadline(decision.delay, error)
            const kind = error._tag === "TransportError" && error.kind === "timeout" ? "timeout" : "retry"
            if (!(yield* budget.withdraw(options.key, kind))) return yield* Effect.fail(error)
            yield* recordWait(span, clock, "backoff", decision.delay, error._tag)
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
            yield* recordWait(span, clock, "repoll", decision.delay, error._tag)
            yield* Effect.sleep(decision.delay)
            break
          }
        }
        state = Policy.advance(state, decision)
        return Option.none<A>()
      })

    const settleOpen = (_confirmed: boolean) => Effect.void

    // A wait at the gate past the deadline fails with the call's last answer, or, when nothing was answered yet,
    // with `DeadlineExceeded`: nothing was sent, so no status code would be true.
    const gateFailure = (error: TrackingMoreError.TrackingMoreError | Gate.DeadlineExceeded) => {
      const failure = TrackingMoreError.isTrackingMoreError(error)
        ? error
        : lastError ?? TrackingMoreError.deadlineExceeded(error.waitingFor ?? "cooldown", error.until)
      finish(failure._tag)
      return Effect.fail(failure)
    }

    // Pass the gate, then attempt. Waiting at the gate (another caller's cooldown, a probe in flight, a
    // rate-limit token) is a wait too. A probe pass must always be settled, even when the caller is interrupted
    // the moment it gets it: otherwise every other caller on the key would wait for it forever.
    const round: Effect.Effect<A, TrackingMoreError.TrackingMoreError, R | R2> = Effect.flatMap(
      Effect.uninterruptibleMask((restore) => {
        const before = clock.unsafeCurrentTimeMillis()
        return Effect.matchEffect(restore(gate.await(options.key, { deadline })), {
          onFailure: gateFailure,
          onSuccess: (pass) => {
            let run: Effect.Effect<Option.Option<A>, TrackingMoreError.TrackingMoreError, R | R2>
            if (pass === "open") {
              run = restore(step(undefined))
            } else {
              let settled = false
              const settle = (confirmed: boolean) =>
                settled ? Effect.void : Effect.suspend(() => {
                  settled = true
                  return gate.settle(options.key, confirmed)
                })
              run = Effect.onExit(restore(step(settle)), (exit) => settle(!Exit.isInterrupted(exit)))
            }
            const waited = clock.unsafeCurrentTimeMillis() - before
            return waited > 0 ? Effect.zipRight(recordWait(span, clock, "gate", Duration.millis(waited), undefined), run) : run
          }
        })
      }),
      (outcome) => Option.isSome(outcome) ? Effect.succeed(outcome.value) : round
    )
    return round
  })

