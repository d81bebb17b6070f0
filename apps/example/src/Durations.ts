/**
 * The durations a user writes on the command line: the long forms Effect reads ("60 seconds", "5 minutes",
 * "6 hours") and the short ones people type ("90s", "5m", "1h30m"), so that every example the help shows is
 * accepted.
 */
import * as Duration from "effect/Duration"
import * as Option from "effect/Option"

const millisPerUnit: Readonly<Record<string, number>> = {
  ms: 1,
  milli: 1,
  millis: 1,
  millisecond: 1,
  milliseconds: 1,
  s: 1_000,
  sec: 1_000,
  secs: 1_000,
  second: 1_000,
  seconds: 1_000,
  m: 60_000,
  min: 60_000,
  mins: 60_000,
  minute: 60_000,
  minutes: 60_000,
  h: 3_600_000,
  hr: 3_600_000,
  hrs: 3_600_000,
  hour: 3_600_000,
  hours: 3_600_000,
  d: 86_400_000,
  day: 86_400_000,
  days: 86_400_000
}

/** The examples the help text shows; each is accepted by {@link parse} (a test holds this). */
export const examples: ReadonlyArray<string> = ["60 seconds", "5 minutes", "6 hours", "90s", "5m", "1h30m"]

/** The examples, quoted, for help and error messages. */
export const examplesText = examples.map((example) => `"${example}"`).join(", ")

const whole = /^(?:\d+(?:\.\d+)?\s*[a-z]+\s*)+$/
const part = /(\d+(?:\.\d+)?)\s*([a-z]+)/g

/**
 * Reads a duration: one or more `<number> <unit>` parts ("1 hour 30 minutes", "1h30m"), units from
 * milliseconds to days, case and spaces ignored. `None` for anything else, and for a total that is not more
 * than zero (no command-line duration means "no time at all").
 */
export const parse = (text: string): Option.Option<Duration.Duration> => {
  const input = text.trim().toLowerCase()
  if (!whole.test(input)) return Option.none()
  let millis = 0
  for (const [, amount, unit] of input.matchAll(part)) {
    const perUnit = millisPerUnit[unit!]
    if (perUnit === undefined) return Option.none()
    millis += Number(amount) * perUnit
  }
  return Number.isFinite(millis) && millis > 0 ? Option.some(Duration.millis(millis)) : Option.none()
}
