/**
 * A `PolicyConfig` from the user's overrides: each given number replaces the base's, durations in any
 * `DurationInput` form; and the check of overrides that come from outside the type system (a file, the
 * environment), which names the first field that cannot work.
 */
import * as Duration from "effect/Duration"
import * as Either from "effect/Either"
import * as Options from "../Options.js"
import type { JitterOverrides, PolicyConfig, PolicyOptions } from "../Policy.js"

const jitterConfig = (
  base: PolicyConfig["serverError"],
  overrides: JitterOverrides | undefined
): PolicyConfig["serverError"] => ({
  base: Duration.decode(overrides?.base ?? base.base),
  cap: Duration.decode(overrides?.cap ?? base.cap),
  maxRetries: overrides?.maxRetries ?? base.maxRetries
})

const haltConfig = (
  base: Duration.Duration | undefined,
  override: Duration.DurationInput | null | undefined
): Duration.Duration | undefined =>
  override === null ? undefined : override === undefined ? base : Duration.decode(override)

/** The base with the given overrides; `null` for a halt means "until reset". */
export const config = (options: PolicyOptions, base: PolicyConfig): PolicyConfig => ({
  tooManyRequests: {
    wait: Duration.decode(options.tooManyRequests?.wait ?? base.tooManyRequests.wait),
    maxCooldowns: options.tooManyRequests?.maxCooldowns ?? base.tooManyRequests.maxCooldowns
  },
  serviceUnavailable: jitterConfig(base.serviceUnavailable, options.serviceUnavailable),
  serverError: jitterConfig(base.serverError, options.serverError),
  notRegistered: {
    interval: Duration.decode(options.notRegistered?.interval ?? base.notRegistered.interval),
    maxRepolls: options.notRegistered?.maxRepolls ?? base.notRegistered.maxRepolls
  },
  authHalt: haltConfig(base.authHalt, options.authHalt),
  billingHalt: haltConfig(base.billingHalt, options.billingHalt),
  deadline: Duration.decode(options.deadline ?? base.deadline)
})

type FieldCheck = "duration" | "count" | "halt"

// Every field of `PolicyOptions` and how it is checked: a duration (≥ 0, finite), a count (whole, ≥ 0), a halt
// (a duration, Infinity, or null for "until reset"). The deadline may be Infinity too.
const policyFields: Record<keyof PolicyOptions, FieldCheck | Readonly<Record<string, FieldCheck>>> = {
  tooManyRequests: { wait: "duration", maxCooldowns: "count" },
  serviceUnavailable: { base: "duration", cap: "duration", maxRetries: "count" },
  serverError: { base: "duration", cap: "duration", maxRetries: "count" },
  notRegistered: { interval: "duration", maxRepolls: "count" },
  authHalt: "halt",
  billingHalt: "halt",
  deadline: "halt"
}

const checkField = (option: string, value: unknown, check: FieldCheck): Either.Either<unknown, Options.InvalidOption> =>
  value === undefined || (check === "halt" && value === null)
    ? Either.void
    : check === "count"
    ? Options.integer(option, value, { min: 0 })
    : Options.duration(option, value, { allowInfinite: check === "halt" })

/** Checks overrides of unknown shape field by field, then builds the config over `base`. */
export const validate = (
  options: unknown,
  prefix: string,
  base: PolicyConfig
): Either.Either<PolicyConfig, Options.InvalidOption> =>
  Either.gen(function*() {
    yield* Options.knownKeys(prefix === "" ? "policy" : prefix.replace(/\.$/, ""), options, Object.keys(policyFields))
    const given = (options ?? {}) as Readonly<Record<string, unknown>>
    for (const [field, check] of Object.entries(policyFields)) {
      if (typeof check === "string") {
        yield* checkField(`${prefix}${field}`, given[field], check)
        continue
      }
      yield* Options.knownKeys(`${prefix}${field}`, given[field], Object.keys(check))
      const section = (given[field] ?? {}) as Readonly<Record<string, unknown>>
      for (const [name, sub] of Object.entries(check)) yield* checkField(`${prefix}${field}.${name}`, section[name], sub)
    }
    return config((options ?? {}) as PolicyOptions, base)
  })
