/**
 * What to do after each error: one rule per error tag, in a record typed over the union's tags so that a new
 * code without a rule fails to compile. All defaults live here (`defaults`) and all are overridable.
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Either from "effect/Either"
import * as Schedule from "effect/Schedule"
import * as ScheduleDecision from "effect/ScheduleDecision"
import * as ScheduleInterval from "effect/ScheduleInterval"
import * as Backoff from "./Backoff.js"
import * as internal from "./internal/policyConfig.js"
import type * as Options from "./Options.js"
import type * as TrackingMoreError from "./TrackingMoreError.js"

/**
 * Why a `Retry` waits.
 *
 * @since 0.1.0
 * @category models
 */
export type RetryReason = "unavailable" | "server-error" | "transport" | "malformed"

/**
 * The outcome of one failed attempt.
 *
 * - `Retry`: wait `delay` (backoff), then try again; spends retry budget.
 * - `Cooldown`: cool the whole API key for `delay` (429); every caller on the key waits.
 * - `Repoll`: the tracking is not registered yet (4031); wait `delay` and get again; no budget spent.
 * - `Halt`: stop the key (auth or billing), for `duration` or until reset; fail.
 * - `Fail`: fail at once with the typed error.
 *
 * @since 0.1.0
 * @category models
 */
export type Decision = Data.TaggedEnum<{
  Retry: { readonly delay: Duration.Duration; readonly reason: RetryReason }
  Cooldown: { readonly delay: Duration.Duration }
  Repoll: { readonly delay: Duration.Duration }
  Halt: { readonly duration: Duration.Duration | undefined }
  Fail: {}
}>

/**
 * Constructors and matchers of `Decision`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const Decision = Data.taggedEnum<Decision>()

/**
 * What the policy knows about the call so far.
 *
 * @since 0.1.0
 * @category models
 */
export interface AttemptState {
  /** Attempts made so far, the failed one included (≥ 1 when deciding). */
  readonly attempt: number
  /** Backoff retries already taken (500, 503, transport, malformed ≥ 500). */
  readonly retries: number
  /** 429 cooldowns already taken. */
  readonly cooldowns: number
  /** 4031 re-polls already taken. */
  readonly repolls: number
  /** The delay before the failed attempt (zero for the first). */
  readonly previousDelay: Duration.Duration
  /** Whether repeating the request is safe (gets, and creates thanks to 4016). */
  readonly idempotent: boolean
}

/**
 * The state before the first attempt.
 *
 * @since 0.1.0
 * @category constructors
 */
export const initialState = (idempotent: boolean): AttemptState => ({
  attempt: 0,
  retries: 0,
  cooldowns: 0,
  repolls: 0,
  previousDelay: Duration.zero,
  idempotent
})

/**
 * The state after a decision that continues the call.
 *
 * @since 0.1.0
 * @category combinators
 */
export const advance = (state: AttemptState, decision: Decision): AttemptState => {
  switch (decision._tag) {
    case "Retry":
      return { ...state, retries: state.retries + 1, previousDelay: decision.delay }
    case "Cooldown":
      return { ...state, cooldowns: state.cooldowns + 1, previousDelay: decision.delay }
    case "Repoll":
      return { ...state, repolls: state.repolls + 1, previousDelay: decision.delay }
    default:
      return state
  }
}

/**
 * The policy's numbers.
 *
 * @since 0.1.0
 * @category models
 */
export interface PolicyConfig {
  /** 429: cool the key for max(wait, Retry-After), at most `maxCooldowns` times per call. */
  readonly tooManyRequests: { readonly wait: Duration.Duration; readonly maxCooldowns: number }
  /** 503: full jitter in [0, min(cap, base·2ⁿ)], Retry-After as floor, at most `maxRetries`. */
  readonly serviceUnavailable: Backoff.JitterOptions & { readonly maxRetries: number }
  /** 500, transport errors, unreadable answers (≥ 500, or a body lost on the way): full jitter, idempotent calls only. */
  readonly serverError: Backoff.JitterOptions & { readonly maxRetries: number }
  /** 4031: get again every `interval`, at most `maxRepolls` times. */
  readonly notRegistered: { readonly interval: Duration.Duration; readonly maxRepolls: number }
  /** 401, 4001, 4002, 403: halt the key for this long; `undefined` means until reset. */
  readonly authHalt: Duration.Duration | undefined
  /** 402, 4019, 4021: halt the key for this long (a top-up can fix it). */
  readonly billingHalt: Duration.Duration | undefined
  /** Every call's deadline, checked before each wait. */
  readonly deadline: Duration.Duration
}

/**
 * The documented defaults (two minutes after a 429, full jitter for 503s, …), in one place.
 *
 * @since 0.1.0
 * @category defaults
 */
export const defaults: PolicyConfig = {
  tooManyRequests: { wait: Duration.minutes(2), maxCooldowns: 5 },
  serviceUnavailable: { base: Duration.seconds(1), cap: Duration.seconds(30), maxRetries: 6 },
  serverError: { base: Duration.millis(500), cap: Duration.seconds(10), maxRetries: 3 },
  notRegistered: { interval: Duration.seconds(2), maxRepolls: 5 },
  authHalt: undefined,
  billingHalt: Duration.minutes(10),
  deadline: Duration.minutes(10)
}

/**
 * Overrides of the defaults; every field optional, durations in any `DurationInput` form.
 *
 * @since 0.1.0
 * @category models
 */
export interface PolicyOptions {
  readonly tooManyRequests?: { readonly wait?: Duration.DurationInput; readonly maxCooldowns?: number }
  readonly serviceUnavailable?: JitterOverrides
  readonly serverError?: JitterOverrides
  readonly notRegistered?: { readonly interval?: Duration.DurationInput; readonly maxRepolls?: number }
  readonly authHalt?: Duration.DurationInput | null
  readonly billingHalt?: Duration.DurationInput | null
  readonly deadline?: Duration.DurationInput
}

/**
 * @since 0.1.0
 * @category models
 */
export interface JitterOverrides {
  readonly base?: Duration.DurationInput
  readonly cap?: Duration.DurationInput
  readonly maxRetries?: number
}

/**
 * The defaults with some numbers replaced. `null` for a halt means "until reset".
 *
 * @since 0.1.0
 * @category constructors
 * @example
 * ```ts
 * import { Policy } from "@trackingmore-effect/core"
 * const patient = Policy.config({ serviceUnavailable: { maxRetries: 10 }, deadline: "30 minutes" })
 * ```
 */
export const config = (options: PolicyOptions = {}, base: PolicyConfig = defaults): PolicyConfig =>
  internal.config(options, base)

/**
 * Checks policy overrides, then builds the config as {@link config} does; or names the first field that cannot
 * work: an unknown field, a duration that does not parse or is negative, a count that is not a whole number
 * ≥ 0. `prefix` goes before every field name in the error (`"policy."` among a client's options).
 *
 * @since 0.2.0
 * @category constructors
 * @example
 * ```ts
 * import { Policy } from "@trackingmore-effect/core"
 * const checked = Policy.validate({ serviceUnavailable: { base: "soon" } })
 * // Either.left(InvalidOption { option: "serviceUnavailable.base", … })
 * ```
 */
export const validate = (options: unknown, prefix = ""): Either.Either<PolicyConfig, Options.InvalidOption> =>
  internal.validate(options, prefix, defaults)

/**
 * A rule decides for one tag.
 *
 * @since 0.1.0
 * @category models
 */
export type Rule<E> = (error: E, state: AttemptState, config: PolicyConfig) => Effect.Effect<Decision>

/**
 * One rule per tag. The mapped type makes a missing tag a compile error.
 *
 * @since 0.1.0
 * @category models
 */
export type Rules = {
  readonly [T in TrackingMoreError.Tag]: Rule<Extract<TrackingMoreError.TrackingMoreError, { readonly _tag: T }>>
}

const fail: Rule<unknown> = () => Effect.succeed(Decision.Fail())

const cooldown: Rule<TrackingMoreError.TooManyRequests> = (error, state, config) =>
  Effect.succeed(
    state.cooldowns >= config.tooManyRequests.maxCooldowns
      ? Decision.Fail()
      : Decision.Cooldown({ delay: Duration.max(config.tooManyRequests.wait, error.retryAfter ?? Duration.zero) })
  )

const backoff = (
  pick: (config: PolicyConfig) => PolicyConfig["serverError"],
  reason: RetryReason,
  idempotentOnly: boolean
): Rule<{ readonly retryAfter?: Duration.Duration | undefined }> =>
(error, state, config) => {
  const options = pick(config)
  if ((idempotentOnly && !state.idempotent) || state.retries >= options.maxRetries) {
    return Effect.succeed(Decision.Fail())
  }
  return Effect.map(Backoff.fullJitter(state.retries, options), (jitter) =>
    Decision.Retry({ delay: Duration.max(jitter, error.retryAfter ?? Duration.zero), reason }))
}

const serverBackoff = (reason: RetryReason) => backoff((config) => config.serverError, reason, true)

const repoll: Rule<TrackingMoreError.NotRegistered> = (_error, state, config) =>
  Effect.succeed(
    state.repolls >= config.notRegistered.maxRepolls
      ? Decision.Fail()
      : Decision.Repoll({ delay: config.notRegistered.interval })
  )

const haltAuth: Rule<unknown> = (_error, _state, config) =>
  Effect.succeed(Decision.Halt({ duration: config.authHalt }))

const haltBilling: Rule<unknown> = (_error, _state, config) =>
  Effect.succeed(Decision.Halt({ duration: config.billingHalt }))

// A body lost or replaced on the way (empty, HTML, cut-off JSON) says nothing about the request: retry it like a
// transport failure whatever the status. Anything else unreadable is retried only when the server erred (≥ 500).
const lostInTransit: ReadonlySet<TrackingMoreError.MalformedKind> = new Set(["empty", "html", "invalid-json"])

// A body over the size limit would be as large again: never retried.
const malformed: Rule<TrackingMoreError.MalformedResponse> = (error, state, config) =>
  error.kind !== "too-large" && (error.code >= 500 || lostInTransit.has(error.kind))
    ? serverBackoff("malformed")(error, state, config)
    : Effect.succeed(Decision.Fail())

// A request the HTTP client could not send (a URL or header it refuses) fails the same way every time.
const transport: Rule<TrackingMoreError.TransportError> = (error, state, config) =>
  error.kind === "invalid-request" ? Effect.succeed(Decision.Fail()) : serverBackoff("transport")(error, state, config)

/**
 * The default rule of every tag: the decisions the README's code table lists.
 *
 * @since 0.1.0
 * @category defaults
 */
export const rules: Rules = {
  TooManyRequests: cooldown,
  ServiceUnavailable: backoff((config) => config.serviceUnavailable, "unavailable", false),
  ServerError: serverBackoff("server-error"),
  TransportError: transport,
  MalformedResponse: malformed,
  NotRegistered: repoll,
  Unauthorized: haltAuth,
  InvalidApiKey: haltAuth,
  ApiKeyDeleted: haltAuth,
  Forbidden: haltAuth,
  PaymentRequired: haltBilling,
  InsufficientBalance: haltBilling,
  QuotaExhausted: haltBilling,
  TrackingAlreadyExists: fail,
  BatchTooLarge: fail,
  LimitExceeded: fail,
  InvalidRequest: fail,
  TrackingNumberRequired: fail,
  InvalidTrackingNumber: fail,
  InvalidCarrierCode: fail,
  TrackingNotFound: fail,
  ActivationRequired: fail,
  CarrierNotDetected: fail,
  InvalidStatus: fail,
  NotFound: fail,
  MethodNotAllowed: fail,
  Conflict: fail,
  UnknownStatus: fail,
  DeadlineExceeded: fail
}

/**
 * Decide what follows a failed attempt. Randomness (jitter) comes from Effect's `Random`.
 *
 * @since 0.1.0
 * @category deciding
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Policy, TrackingMoreError } from "@trackingmore-effect/core"
 * const decision = Policy.decide(TrackingMoreError.fromCode(429), { ...Policy.initialState(true), attempt: 1 })
 * // Effect<Decision.Cooldown({ delay: 2 minutes })>
 * ```
 */
export const decide = (
  error: TrackingMoreError.TrackingMoreError,
  state: AttemptState,
  config: PolicyConfig = defaults
): Effect.Effect<Decision> => (rules[error._tag] as Rule<TrackingMoreError.TrackingMoreError>)(error, state, config)

/**
 * The delay of a decision that continues the call, or `undefined` for `Halt` and `Fail`.
 *
 * @since 0.1.0
 * @category getters
 */
export const delayOf = (decision: Decision): Duration.Duration | undefined =>
  decision._tag === "Retry" || decision._tag === "Cooldown" || decision._tag === "Repoll"
    ? decision.delay
    : undefined

/**
 * The whole policy as a plain `Schedule` for `Effect.retry`: it continues after `Retry`, `Cooldown` and
 * `Repoll` with their delays and stops on `Halt` and `Fail`, outputting the last decision. It has no shared
 * gate, budget or deadline: use the `Retry` module for those.
 *
 * @since 0.1.0
 * @category schedules
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Policy } from "@trackingmore-effect/core"
 * declare const call: Effect.Effect<string, import("@trackingmore-effect/core").TrackingMoreError.TrackingMoreError>
 * const retried = Effect.retry(call, Policy.schedule())
 * ```
 */
export const schedule = (
  options: { readonly idempotent?: boolean; readonly config?: PolicyConfig } = {}
): Schedule.Schedule<Decision, TrackingMoreError.TrackingMoreError> =>
  Schedule.makeWithState(
    { ...initialState(options.idempotent ?? true), attempt: 1 },
    (now, error: TrackingMoreError.TrackingMoreError, state) =>
      Effect.map(decide(error, state, options.config), (decision) => {
        const delay = delayOf(decision)
        return [
          { ...advance(state, decision), attempt: state.attempt + 1 },
          decision,
          delay === undefined
            ? ScheduleDecision.done
            : ScheduleDecision.continueWith(ScheduleInterval.after(now + Duration.toMillis(delay)))
        ] as const
      })
  )

/**
 * One tag's own schedule: the policy's schedule while the error has that tag; any other error stops it.
 *
 * @since 0.1.0
 * @category schedules
 */
export const scheduleFor = (
  tag: TrackingMoreError.Tag,
  options: { readonly idempotent?: boolean; readonly config?: PolicyConfig } = {}
): Schedule.Schedule<Decision, TrackingMoreError.TrackingMoreError> =>
  Schedule.whileInput(schedule(options), (error: TrackingMoreError.TrackingMoreError) => error._tag === tag)
