/**
 * What the policy decides for an error, asked of core's own `Policy.decide` rather than restated: the CLI never
 * holds a second copy of the rules. The numbers of a rule (how many retries, the jitter windows, the cooldown,
 * the halt) are found by asking the policy again with the state advanced until it stops continuing the call.
 * Jitter is drawn from Effect's `Random`; a random that always answers 1 makes every full-jitter delay the upper
 * end of its window, which is the number a reader wants to see.
 *
 * @since 0.1.0
 */
import * as Policy from "@trackingmore-effect/core/Policy"
import * as RetryBudget from "@trackingmore-effect/core/RetryBudget"
import * as TrackingMoreError from "@trackingmore-effect/core/TrackingMoreError"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Random from "effect/Random"

/**
 * The decisions the policy takes, one after another, for an error that keeps coming back, and the one that
 * ends the call.
 *
 * @since 0.1.0
 * @category models
 */
export interface Sequence {
  /** The decisions that continue the call (`Retry`, `Cooldown`, `Repoll`), with full-jitter delays at their upper bound. */
  readonly continues: ReadonlyArray<Policy.Decision>
  /** The decision that ends it (`Fail` or `Halt`). */
  readonly end: Policy.Decision
}

// A policy that continued more than this would be a policy without an end: said, not looped on.
const longest = 1000

/**
 * Asks the policy what follows `error`, again and again, as if every attempt failed with it.
 *
 * @since 0.1.0
 * @category deciding
 */
export const sequence = (
  error: TrackingMoreError.TrackingMoreError,
  options: { readonly idempotent: boolean; readonly config?: Policy.PolicyConfig | undefined }
): Sequence => {
  const continues: Array<Policy.Decision> = []
  let state: Policy.AttemptState = { ...Policy.initialState(options.idempotent), attempt: 1 }
  for (let i = 0; i < longest; i++) {
    const decision = Effect.runSync(
      Policy.decide(error, state, options.config ?? Policy.defaults).pipe(Effect.withRandom(Random.fixed([1])))
    )
    if (Policy.delayOf(decision) === undefined) return { continues, end: decision }
    continues.push(decision)
    state = { ...Policy.advance(state, decision), attempt: state.attempt + 1 }
  }
  return { continues, end: Policy.Decision.Fail() }
}

/**
 * A duration as people read it: `2m`, `1.5s`, `250ms`, `10m 30s`.
 *
 * @since 0.1.0
 * @category formatting
 */
export const formatDuration = (duration: Duration.DurationInput): string => {
  const decoded = Duration.decode(duration)
  if (!Duration.isFinite(decoded)) return "forever"
  const millis = Duration.toMillis(decoded)
  if (millis < 1000) return `${trim(millis)}ms`
  if (millis < 60_000) return `${trim(millis / 1000)}s`
  const parts: Array<string> = []
  let rest = Math.round(millis)
  for (const [unit, size] of [["d", 86_400_000], ["h", 3_600_000], ["m", 60_000]] as const) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`)
      rest %= size
    }
  }
  if (rest > 0) parts.push(`${trim(rest / 1000)}s`)
  return parts.join(" ")
}

/**
 * A duration to the second once it is a minute or longer (`29m 59s`), as `formatDuration` otherwise.
 *
 * @since 0.1.0
 * @category formatting
 */
export const formatRough = (duration: Duration.DurationInput): string => {
  const millis = Duration.toMillis(Duration.decode(duration))
  return formatDuration(Number.isFinite(millis) && millis >= 60_000 ? Math.round(millis / 1000) * 1000 : duration)
}

const trim = (n: number): string => String(Math.round(n * 1000) / 1000)

/**
 * The part of the policy's config a `Retry` decision of that reason used (core documents the mapping on
 * `PolicyConfig`: 503 uses `serviceUnavailable`, the others `serverError`).
 *
 * @since 0.1.0
 * @category getters
 */
export const sectionOf = (reason: Policy.RetryReason): "serviceUnavailable" | "serverError" =>
  reason === "unavailable" ? "serviceUnavailable" : "serverError"

/**
 * One line for a sequence, as the `codes` table shows it.
 *
 * @since 0.1.0
 * @category formatting
 */
export const short = (sequence: Sequence): string => {
  const first = sequence.continues[0]
  if (first === undefined) {
    return sequence.end._tag === "Halt"
      ? `halt the key ${sequence.end.duration === undefined ? "until reset" : `for ${formatDuration(sequence.end.duration)}`}`
      : "fail at once"
  }
  const n = sequence.continues.length
  switch (first._tag) {
    case "Retry":
      return `retry ×${n}, full jitter up to ${sequence.continues.map((d) => formatDuration(Policy.delayOf(d)!)).join(", ")}`
    case "Cooldown":
      return `cool the key ${formatDuration(first.delay)}, then retry (×${n})`
    case "Repoll":
      return `get again every ${formatDuration(first.delay)} (×${n})`
    default:
      return "fail at once"
  }
}

/**
 * The decision for one error in full sentences, with its numbers.
 *
 * @since 0.1.0
 * @category formatting
 */
export const sentences = (sequence: Sequence, config: Policy.PolicyConfig = Policy.defaults): ReadonlyArray<string> => {
  const first = sequence.continues[0]
  const n = sequence.continues.length
  if (first === undefined) {
    if (sequence.end._tag === "Halt") {
      const duration = sequence.end.duration
      return [
        `Halt the API key ${duration === undefined ? "until it is reset" : `for ${formatDuration(duration)}`} and fail: ` +
        "every later call on the key fails at once with this error, without being sent."
      ]
    }
    return ["Fail at once with the typed error: no retry."]
  }
  const budget = RetryBudget.defaults
  const deadline = `All waits end within the call's deadline (${formatDuration(config.deadline)}): a wait that would end after it fails the call now.`
  switch (first._tag) {
    case "Retry": {
      const section = config[sectionOf(first.reason)]
      return [
        `Retry up to ${n} time${n === 1 ? "" : "s"} with full jitter: before retry n (from 0) wait a random time in ` +
        `[0, min(${formatDuration(section.cap)}, ${formatDuration(section.base)}·2ⁿ)], a Retry-After header as its floor.`,
        `The windows: ${sequence.continues.map((d) => formatDuration(Policy.delayOf(d)!)).join(", ")}.`,
        `Each retry spends the key's retry budget (${budget.retryCost} of ${budget.capacity} tokens, ` +
        `${budget.timeoutCost} after a timeout; a success gives ${budget.successRefund} back): an empty budget fails the call at once.`,
        deadline
      ]
    }
    case "Cooldown":
      return [
        `Cool the whole API key for ${formatDuration(first.delay)} (or the Retry-After header, if longer): every ` +
        "caller on the key waits, then one caller probes and the others follow once it succeeds.",
        `The call is retried after each cooldown, at most ${n} cooldown${n === 1 ? "" : "s"} per call; the retry budget is not spent.`,
        deadline
      ]
    case "Repoll":
      return [
        `Ask again every ${formatDuration(first.delay)}, at most ${n} time${n === 1 ? "" : "s"}; the retry budget is not spent.`,
        deadline
      ]
    default:
      return ["Fail at once with the typed error: no retry."]
  }
}

/**
 * The error a status code becomes, as the client would make it from an answer.
 *
 * @since 0.1.0
 * @category constructors
 */
export const errorOf = (code: number): TrackingMoreError.TrackingMoreError => TrackingMoreError.fromCode(code)
