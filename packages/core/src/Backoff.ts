/**
 * Jittered backoff. Effect's `Schedule.jittered` only varies a delay by ±20%, which keeps many clients in
 * lock-step; full jitter and decorrelated jitter (AWS architecture blog, "Exponential Backoff And Jitter")
 * spread them over the whole window. Randomness comes from Effect's `Random`, so a seeded `Random` repeats.
 *
 * @since 0.1.0
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Random from "effect/Random"
import * as Schedule from "effect/Schedule"
import * as ScheduleDecision from "effect/ScheduleDecision"
import * as ScheduleInterval from "effect/ScheduleInterval"

/**
 * @since 0.1.0
 * @category models
 */
export interface JitterOptions {
  /** The first window (full jitter) or the least delay (decorrelated jitter). */
  readonly base: Duration.DurationInput
  /** No delay is ever longer than this. */
  readonly cap: Duration.DurationInput
}

/**
 * The upper bound of full jitter's n-th window (n from 0): `min(cap, base · 2ⁿ)`, in milliseconds.
 *
 * @since 0.1.0
 * @category bounds
 */
export const fullJitterBound = (retry: number, options: JitterOptions): number => {
  const base = Duration.toMillis(options.base)
  const cap = Duration.toMillis(options.cap)
  // 2 ** 1100 is Infinity, which `min` turns into cap: no overflow for any retry number.
  return Math.min(cap, base * 2 ** Math.max(0, retry))
}

/**
 * The window of decorrelated jitter after a delay: `[base, min(cap, 3 · previous)]`, in milliseconds.
 *
 * @since 0.1.0
 * @category bounds
 */
export const decorrelatedJitterBounds = (
  previous: Duration.DurationInput,
  options: JitterOptions
): readonly [low: number, high: number] => {
  const base = Duration.toMillis(options.base)
  const high = Math.min(Duration.toMillis(options.cap), 3 * Math.max(base, Duration.toMillis(previous)))
  return [base, Math.max(base, high)]
}

/**
 * One full-jitter delay for the n-th retry (from 0): uniform in `[0, min(cap, base · 2ⁿ)]`.
 *
 * @since 0.1.0
 * @category delays
 */
export const fullJitter = (retry: number, options: JitterOptions): Effect.Effect<Duration.Duration> =>
  Effect.map(Random.next, (r) => Duration.millis(Math.floor(r * fullJitterBound(retry, options))))

/**
 * One decorrelated-jitter delay after `previous`: uniform in `[base, min(cap, 3 · previous)]`.
 *
 * @since 0.1.0
 * @category delays
 */
export const decorrelatedJitter = (
  previous: Duration.DurationInput,
  options: JitterOptions
): Effect.Effect<Duration.Duration> =>
  Effect.map(Random.next, (r) => {
    const [low, high] = decorrelatedJitterBounds(previous, options)
    return Duration.millis(Math.floor(low + r * (high - low)))
  })

const after = (now: number, delay: Duration.Duration) =>
  ScheduleDecision.continueWith(ScheduleInterval.after(now + Duration.toMillis(delay)))

/**
 * A schedule that waits a full-jitter delay before each recurrence and outputs it.
 *
 * @since 0.1.0
 * @category schedules
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Backoff } from "@trackingmore-effect/core"
 * const retried = Effect.retry(Effect.fail("flaky"), Backoff.fullJitterSchedule({ base: "1 second", cap: "30 seconds" }))
 * ```
 */
export const fullJitterSchedule = (options: JitterOptions): Schedule.Schedule<Duration.Duration> =>
  Schedule.makeWithState(0, (now, _input: unknown, retry) =>
    Effect.map(fullJitter(retry, options), (delay) => [retry + 1, delay, after(now, delay)] as const))

/**
 * A schedule that waits a decorrelated-jitter delay before each recurrence and outputs it.
 *
 * @since 0.1.0
 * @category schedules
 */
export const decorrelatedJitterSchedule = (options: JitterOptions): Schedule.Schedule<Duration.Duration> =>
  Schedule.makeWithState(Duration.decode(options.base), (now, _input: unknown, previous) =>
    Effect.map(decorrelatedJitter(previous, options), (delay) => [delay, delay, after(now, delay)] as const))
