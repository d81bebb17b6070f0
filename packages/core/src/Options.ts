/**
 * Checks of the options a user gives (durations, counts, URLs), made when a client or policy is built, with an
 * error that names the option. A wrong option must fail where it is written, not as a defect in the middle of a
 * call, and not as a call that waits forever.
 *
 * @since 0.2.0
 */
import * as Duration from "effect/Duration"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"

/**
 * An option has a value that cannot work. `option` is its path (`"rateLimits.default.limit"`), `message` says
 * what is wrong and what was given. A secret option's value is never repeated in the message.
 *
 * @since 0.2.0
 * @category errors
 * @example
 * ```ts
 * import { Options } from "@trackingmore-effect/core"
 * const checked = Options.duration("attemptTimeout", "garbage")
 * // Either.left(InvalidOption { option: "attemptTimeout", message: 'attemptTimeout must be a duration …' })
 * ```
 */
export class InvalidOption extends Schema.TaggedError<InvalidOption>()("InvalidOption", {
  option: Schema.String,
  message: Schema.String
}) {}

/**
 * The error for `option`: `"<option> <problem>"`.
 *
 * @since 0.2.0
 * @category constructors
 */
export const invalid = (option: string, problem: string): InvalidOption =>
  new InvalidOption({ option, message: `${option} ${problem}` })

/**
 * A value as a message shows it: short, strings quoted, objects by their kind.
 *
 * @since 0.2.0
 * @category formatting
 */
export const show = (value: unknown): string => {
  if (typeof value === "string") return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value)
  if (typeof value === "number" || typeof value === "boolean" || value === null || value === undefined) {
    return String(value)
  }
  if (typeof value === "bigint") return `${value}n`
  return Array.isArray(value) ? "an array" : `a ${typeof value}`
}

const durationPattern = /^\s*(\d+(?:\.\d+)?)\s+(nanos?|micros?|millis?|seconds?|minutes?|hours?|days?|weeks?)\s*$/

/**
 * Checks a duration option: a `Duration`, a non-negative number of milliseconds, `[seconds, nanos]`, or a
 * string such as `"30 seconds"` (`nanos`, `micros`, `millis`, `seconds`, `minutes`, `hours`, `days`, `weeks`).
 * `Infinity` is accepted only with `allowInfinite`, zero only with `allowZero` (the default).
 *
 * @since 0.2.0
 * @category checks
 */
export const duration = (
  option: string,
  input: unknown,
  constraints: { readonly allowInfinite?: boolean; readonly allowZero?: boolean } = {}
): Either.Either<Duration.Duration, InvalidOption> => {
  const expected = `must be a duration such as "30 seconds" or a number of milliseconds`
  let decoded: Duration.Duration | undefined
  if (Duration.isDuration(input)) decoded = input
  else if (typeof input === "number") decoded = Number.isNaN(input) || input < 0 ? undefined : Duration.millis(input)
  else if (typeof input === "bigint") decoded = input < 0n ? undefined : Duration.nanos(input)
  else if (typeof input === "string") decoded = durationPattern.test(input) ? Duration.decode(input.trim() as Duration.DurationInput) : undefined
  else if (
    Array.isArray(input) && input.length === 2 &&
    input.every((part) => typeof part === "number" && Number.isFinite(part) && part >= 0)
  ) decoded = Duration.decode(input as [number, number])
  if (decoded === undefined) return Either.left(invalid(option, `${expected}, got ${show(input)}`))
  if (!Duration.isFinite(decoded) && constraints.allowInfinite !== true) {
    return Either.left(invalid(option, `must be finite, got ${show(input)}`))
  }
  if (Duration.isZero(decoded) && constraints.allowZero === false) {
    return Either.left(invalid(option, `must be longer than zero, got ${show(input)}`))
  }
  return Either.right(decoded)
}

/**
 * Checks a whole-number option within `[min, max]`.
 *
 * @since 0.2.0
 * @category checks
 */
export const integer = (
  option: string,
  input: unknown,
  range: { readonly min: number; readonly max?: number | undefined }
): Either.Either<number, InvalidOption> => {
  const max = range.max ?? Number.MAX_SAFE_INTEGER
  if (typeof input !== "number" || !Number.isSafeInteger(input) || input < range.min || input > max) {
    const bounds = range.max === undefined ? `at least ${range.min}` : `from ${range.min} to ${range.max}`
    return Either.left(invalid(option, `must be a whole number ${bounds}, got ${show(input)}`))
  }
  return Either.right(input)
}

/**
 * Checks that an options object names no option that does not exist (a typo would otherwise be ignored).
 *
 * @since 0.2.0
 * @category checks
 */
export const knownKeys = (
  option: string,
  input: unknown,
  known: ReadonlyArray<string>
): Either.Either<void, InvalidOption> => {
  if (input === undefined) return Either.void
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    return Either.left(invalid(option, `must be an object, got ${show(input)}`))
  }
  const unknown = Object.keys(input).find((key) => !known.includes(key))
  return unknown === undefined
    ? Either.void
    : Either.left(invalid(`${option}.${unknown}`, `is not an option (known: ${known.join(", ")})`))
}
