/**
 * The facade's options as the Effect client's: the API key put in a `Redacted` box, `fetch` and `signal` taken
 * out, the rest checked by the client's `validateOptions` / `validatePollOptions`. A bad option throws an
 * `InvalidOptionError` naming it, never the API key.
 */
import * as EffectClient from "@trackingmore-effect/client/TrackingMoreClient"
import * as Either from "effect/Either"
import * as Redacted from "effect/Redacted"
import type { ClientOptions, PollOptions } from "../Client.js"
import { InvalidOptionError } from "../TrackingMoreError.js"

/** The options as the Effect client takes them, or an `InvalidOptionError` naming the first that cannot work. */
export const toClientOptions = (options: ClientOptions): EffectClient.ClientOptions => {
  if (typeof options !== "object" || options === null) {
    throw new InvalidOptionError("options", "createClient: options must be an object with at least an apiKey")
  }
  if (typeof options.apiKey !== "string") {
    throw new InvalidOptionError("apiKey", "createClient: apiKey must be a non-empty string")
  }
  if (options.fetch !== undefined && typeof options.fetch !== "function") {
    throw new InvalidOptionError("fetch", "createClient: fetch must be a function like globalThis.fetch")
  }
  // Everything but `fetch` is the Effect client's to check, unknown options included.
  const { apiKey, fetch: _fetch, ...rest } = options
  const effectOptions: EffectClient.ClientOptions = { ...rest, apiKey: Redacted.make(apiKey) }
  const checked = EffectClient.validateOptions(effectOptions)
  if (Either.isLeft(checked)) throw new InvalidOptionError(checked.left.option, `createClient: ${checked.left.message}`)
  // `fetch` refuses a URL with credentials, so with the standard fetch such a base URL could never work.
  // (The client's check above has parsed the URL already, so `new URL` cannot throw here.)
  const url = typeof options.baseUrl === "string" ? new URL(options.baseUrl) : undefined
  if (options.fetch === undefined && url !== undefined && (url.username !== "" || url.password !== "")) {
    throw new InvalidOptionError(
      "baseUrl",
      "createClient: baseUrl must not carry credentials (user:password@): fetch refuses such URLs; pass a `fetch` that adds them, or a URL without them"
    )
  }
  return effectOptions
}

/** The polling options as the Effect client takes them (all but `signal`), or an `InvalidOptionError`. */
export const toPollOptions = (options: PollOptions | undefined): EffectClient.PollOptions => {
  const { signal: _signal, ...rest } = options ?? {}
  const checked = EffectClient.validatePollOptions(rest)
  if (Either.isLeft(checked)) throw new InvalidOptionError(checked.left.option, `pollUntilFinal: ${checked.left.message}`)
  return rest
}

/**
 * The base URL as `inspect` and `toJSON` show it: a proxy's credentials in the URL replaced, as OpenTelemetry's
 * url.full does.
 */
export const displayBaseUrl = (options: ClientOptions): string =>
  (options.baseUrl ?? EffectClient.defaultBaseUrl).replace(
    /\/\/([^/@:]*)(:[^/@]*)?@/,
    (_match, _user, password) => `//REDACTED${password === undefined ? "" : ":REDACTED"}@`
  )
