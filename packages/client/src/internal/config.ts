/**
 * The plumbing of `layerConfig`: the options given as plain values or `Config`s read into client options, with
 * the API key and base URL from the environment unless given.
 */
import * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import type { ClientOptions } from "../TrackingMoreClient.js"
import * as internalOptions from "./options.js"

/**
 * `Config.unwrap`, also for the objects it cannot take: `Config.unwrap({})` throws in effect 3.22 (its struct
 * of no fields reads the first entry). An empty object is a `Config.succeed` of itself, an `undefined` field is
 * left out, and plain values (a `Redacted` key, a `Duration`, a number from plain JS) are taken as they are.
 */
const unwrapConfig = <A>(wrapped: Config.Config.Wrap<A>): Config.Config<A> => {
  if (Config.isConfig(wrapped)) return wrapped as Config.Config<A>
  if (
    typeof wrapped !== "object" || wrapped === null || Redacted.isRedacted(wrapped) || Duration.isDuration(wrapped)
  ) return Config.succeed(wrapped as A)
  const entries = Object.entries(wrapped).filter(([, value]) => value !== undefined)
  if (entries.length === 0) return Config.succeed({} as A)
  return Config.all(
    Object.fromEntries(entries.map(([key, value]) => [key, unwrapConfig(value as Config.Config.Wrap<unknown>)]))
  ) as Config.Config<A>
}

/**
 * The client's options read from the configuration: `apiKey` from `TRACKINGMORE_API_KEY` (not empty) and
 * `baseUrl` from `TRACKINGMORE_BASE_URL` (http(s), else the production URL) unless given. A missing or bad
 * variable fails with a `ConfigError` naming it; the other options are checked later, by `make`.
 */
export const clientOptions = (
  options: Config.Config.Wrap<Partial<ClientOptions>>
): Effect.Effect<ClientOptions, ConfigError.ConfigError> =>
  Effect.gen(function*() {
    const partial: Partial<ClientOptions> = yield* unwrapConfig(options)
    const apiKey = partial.apiKey ?? (yield* Config.redacted("TRACKINGMORE_API_KEY").pipe(
      Config.validate({
        message: "TRACKINGMORE_API_KEY must not be empty",
        validation: (key) => Redacted.value(key).trim().length > 0
      })
    ))
    const baseUrl = partial.baseUrl ?? (yield* Config.string("TRACKINGMORE_BASE_URL").pipe(
      Config.validate({
        message: "TRACKINGMORE_BASE_URL must be an http(s) URL",
        validation: (url) => /^https?:\/\//i.test(url.trim())
      }),
      Config.map((url) => url.trim()),
      Config.withDefault(internalOptions.defaultBaseUrl)
    ))
    return { ...partial, apiKey, baseUrl }
  })
