/**
 * What the commands read from the environment, and how they show it: URLs without their credentials, the API
 * key only as its fingerprint.
 *
 * @since 0.1.0
 */
import * as ApiKey from "@trackingmore-effect/core/ApiKey"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as Stop from "./Stop.js"

/**
 * The Redis URL the commands use: `REDIS_URL`, default `redis://127.0.0.1:6379`.
 *
 * @since 0.1.0
 * @category environment
 */
export const redisUrl = (): string => nonEmpty(process.env.REDIS_URL) ?? "redis://127.0.0.1:6379"

/**
 * The gate's key prefix: `--prefix`, else `REDIS_PREFIX`, else `trackingmore:` (the Redis package's default).
 *
 * @since 0.1.0
 * @category environment
 */
export const redisPrefix = (given: string | undefined, fallback: string): string =>
  given ?? nonEmpty(process.env.REDIS_PREFIX) ?? fallback

const nonEmpty = (value: string | undefined): string | undefined =>
  value === undefined || value.trim() === "" ? undefined : value.trim()

/**
 * A URL as it may be printed: its password replaced by `***`.
 *
 * @since 0.1.0
 * @category formatting
 */
export const showUrl = (url: string): string => {
  try {
    const parsed = new URL(url)
    if (parsed.password !== "") parsed.password = "***"
    return parsed.toString().replace(/\/$/, "")
  } catch {
    return "(a URL that cannot be parsed)"
  }
}

/**
 * The API key from `TRACKINGMORE_API_KEY`, kept redacted, or a sentence saying it is missing.
 *
 * @since 0.1.0
 * @category environment
 */
export const apiKey = (command: string, why: string): Effect.Effect<Redacted.Redacted<string>, Stop.Stop> => {
  const key = nonEmpty(process.env.TRACKINGMORE_API_KEY)
  return key === undefined
    ? Effect.fail(Stop.usage(`${command}: TRACKINGMORE_API_KEY is not set; ${why}.`))
    : Effect.succeed(Redacted.make(key))
}

/**
 * The fingerprint of `TRACKINGMORE_API_KEY`, computed as the client computes it (core's `ApiKey.fingerprint`).
 *
 * @since 0.1.0
 * @category environment
 */
export const fingerprintFromEnv = (command: string): Effect.Effect<string, Stop.Stop> =>
  Effect.flatMap(
    apiKey(command, "--key-from-env computes the fingerprint of that key"),
    (key) => ApiKey.fingerprint(key)
  )

/**
 * The base URL the client uses: `TRACKINGMORE_BASE_URL`, else `undefined` (the production URL).
 *
 * @since 0.1.0
 * @category environment
 */
export const baseUrl = (): string | undefined => nonEmpty(process.env.TRACKINGMORE_BASE_URL)
