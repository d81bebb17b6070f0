import * as Endpoint from "@trackingmore-effect/core/Endpoint"
import * as Options from "@trackingmore-effect/core/Options"
import * as Policy from "@trackingmore-effect/core/Policy"
import type * as Duration from "effect/Duration"
import * as Either from "effect/Either"
import * as Redacted from "effect/Redacted"
import type { Batching } from "./loader.js"

/** The rate-limit groups of the API, from core's endpoint table. */
type RateGroup = Endpoint.RateGroup

/** A rate limit with its window decoded. */
export interface ResolvedRateLimit {
  readonly limit: number
  readonly window: Duration.Duration
}

/** A client's options, checked, with every default filled in. */
export interface ResolvedOptions {
  readonly apiKey: Redacted.Redacted<string>
  /** Without trailing slashes. */
  readonly baseUrl: string
  /** The base URL as spans and errors may show it: credentials replaced by `REDACTED`. */
  readonly displayBaseUrl: string
  /** The base URL's credentials as a text would quote them (`user:password@`), cut out of any error text. */
  readonly secrets: ReadonlyArray<string>
  readonly policy: Policy.PolicyConfig
  readonly rateLimits: Readonly<Record<RateGroup, ResolvedRateLimit>>
  readonly attemptTimeout: Duration.Duration
  readonly batchSize: number
  readonly maxResponseBytes: number
  /** Automatic batching of concurrent `create` and `get` calls; `undefined` when turned off. */
  readonly batching: Batching | undefined
}

/** What a caller may pass; every field unknown until checked (the Promise facade is called from plain JS too). */
export interface RawOptions {
  readonly apiKey?: unknown
  readonly baseUrl?: unknown
  readonly policy?: unknown
  readonly rateLimits?: unknown
  readonly attemptTimeout?: unknown
  readonly batchSize?: unknown
  readonly maxResponseBytes?: unknown
  readonly batching?: unknown
}

export const defaultBaseUrl = "https://api.trackingmore.com/v2"

export const maxBatchSize: number = Endpoint.maxBatchSize

/** 16 MiB: a list page of 2000 trackings with their events stays well under it. */
export const defaultMaxResponseBytes = 16 * 1024 * 1024

export const defaultRateLimits: Readonly<Record<RateGroup, { readonly limit: number; readonly window: Duration.DurationInput }>> =
  {
    default: { limit: 1, window: "1 second" },
    realtime: { limit: 3, window: "1 second" },
    list: { limit: 1, window: "1 second" }
  }

const optionNames: ReadonlyArray<keyof RawOptions> = [
  "apiKey",
  "baseUrl",
  "policy",
  "rateLimits",
  "attemptTimeout",
  "batchSize",
  "maxResponseBytes",
  "batching"
]

// What an HTTP header value can carry: visible ASCII, with spaces or tabs inside (RFC 9110 field-value; Node
// refuses anything else, and a line break would split the request).
const headerSafe = /^[\x21-\x7e](?:[\x20-\x7e\t]*[\x21-\x7e])?$/

const checkApiKey = (apiKey: unknown): Either.Either<Redacted.Redacted<string>, Options.InvalidOption> => {
  if (!Redacted.isRedacted(apiKey)) {
    return Either.left(Options.invalid("apiKey", "must be a Redacted string: pass Redacted.make(key)"))
  }
  const value: unknown = Redacted.value(apiKey)
  if (typeof value !== "string" || value.length === 0) {
    return Either.left(Options.invalid("apiKey", "must be a non-empty string"))
  }
  // The message never repeats the key: it says what is wrong, not where.
  if (!headerSafe.test(value)) {
    return Either.left(
      Options.invalid(
        "apiKey",
        "holds characters an HTTP header cannot carry (a line break, a control or non-ASCII character, or leading or trailing white space)"
      )
    )
  }
  return Either.right(apiKey as Redacted.Redacted<string>)
}

const checkBaseUrl = (
  input: unknown
): Either.Either<Pick<ResolvedOptions, "baseUrl" | "displayBaseUrl" | "secrets">, Options.InvalidOption> => {
  if (input === undefined) return Either.right({ baseUrl: defaultBaseUrl, displayBaseUrl: defaultBaseUrl, secrets: [] })
  if (typeof input !== "string") return Either.left(Options.invalid("baseUrl", `must be a string, got ${Options.show(input)}`))
  let url: URL
  try {
    url = new URL(input)
  } catch {
    return Either.left(Options.invalid("baseUrl", `must be an absolute http(s) URL, got ${showUrl(input)}`))
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    return Either.left(Options.invalid("baseUrl", `must be an http(s) URL, got the scheme "${url.protocol}"`))
  }
  if (url.search !== "" || url.hash !== "") {
    return Either.left(Options.invalid("baseUrl", `must have no query or fragment, got ${showUrl(input)}`))
  }
  // The credentials as a text quotes them: the URL's user-info part, as written and decoded. The user name or
  // password alone is not cut out of texts (a short one would mangle every message), the user info is.
  const userInfo = url.username === "" && url.password === ""
    ? []
    : [`${url.username}${url.password === "" ? "" : `:${url.password}`}@`]
  const baseUrl = url.href.replace(/\/+$/, "")
  const display = new URL(url.href)
  if (display.username !== "") display.username = "REDACTED"
  if (display.password !== "") display.password = "REDACTED"
  return Either.right({
    baseUrl,
    displayBaseUrl: display.href.replace(/\/+$/, ""),
    secrets: [...userInfo, ...userInfo.map(decodeURIComponentSafe)]
  })
}

const decodeURIComponentSafe = (value: string): string => {
  try {
    return decodeURIComponent(value)
  } catch {
    return value
  }
}

// A URL the user gave, shown with anything that looks like credentials cut out.
const showUrl = (input: string): string => Options.show(input.replace(/\/\/[^/@]*@/, "//REDACTED@"))

const checkRateLimits = (
  input: unknown
): Either.Either<Readonly<Record<RateGroup, ResolvedRateLimit>>, Options.InvalidOption> =>
  Either.gen(function*() {
    const groups = Object.keys(defaultRateLimits) as ReadonlyArray<RateGroup>
    yield* Options.knownKeys("rateLimits", input, groups)
    const given = (input ?? {}) as Readonly<Record<string, unknown>>
    const resolved: Partial<Record<RateGroup, ResolvedRateLimit>> = {}
    for (const group of groups) {
      const option = `rateLimits.${group}`
      yield* Options.knownKeys(option, given[group], ["limit", "window"])
      const rate = (given[group] ?? defaultRateLimits[group]) as { readonly limit?: unknown; readonly window?: unknown }
      resolved[group] = {
        limit: yield* Options.integer(`${option}.limit`, rate.limit, { min: 1 }),
        window: yield* Options.duration(`${option}.window`, rate.window, { allowZero: false })
      }
    }
    return resolved as Record<RateGroup, ResolvedRateLimit>
  })

/** How long a window collects calls before they go out together, unless `batching.window` says otherwise. */
export const defaultBatchingWindow = "10 millis"

// `true` or absent: the defaults; `false`: off; an object: each field checked, unknown ones refused.
const checkBatching = (input: unknown): Either.Either<Batching | undefined, Options.InvalidOption> =>
  Either.gen(function*() {
    if (input === false) return undefined
    if (input !== undefined && input !== true && (typeof input !== "object" || input === null || Array.isArray(input))) {
      return yield* Either.left(
        Options.invalid("batching", `must be false, true or { window, maxBatchSize }, got ${Options.show(input)}`)
      )
    }
    const given = (typeof input === "object" ? input : {}) as { readonly window?: unknown; readonly maxBatchSize?: unknown }
    yield* Options.knownKeys("batching", given, ["window", "maxBatchSize"])
    return {
      window: yield* Options.duration("batching.window", given.window ?? defaultBatchingWindow),
      maxBatchSize: yield* Options.integer("batching.maxBatchSize", given.maxBatchSize ?? maxBatchSize, {
        min: 1,
        max: maxBatchSize
      })
    }
  })

/** Checks every option, fills in the defaults, or names the first option that cannot work. */
export const resolve = (options: RawOptions): Either.Either<ResolvedOptions, Options.InvalidOption> =>
  Either.gen(function*() {
    if (typeof options !== "object" || options === null) {
      return yield* Either.left(Options.invalid("options", `must be an object, got ${Options.show(options)}`))
    }
    const unknown = Object.keys(options).find((key) => !optionNames.includes(key as keyof RawOptions))
    if (unknown !== undefined) {
      return yield* Either.left(Options.invalid(unknown, `is not an option (known: ${optionNames.join(", ")})`))
    }
    const apiKey = yield* checkApiKey(options.apiKey)
    const url = yield* checkBaseUrl(options.baseUrl)
    return {
      apiKey,
      ...url,
      policy: yield* Policy.validate(options.policy, "policy."),
      rateLimits: yield* checkRateLimits(options.rateLimits),
      attemptTimeout: yield* Options.duration("attemptTimeout", options.attemptTimeout ?? "30 seconds", {
        allowInfinite: true,
        allowZero: false
      }),
      batchSize: yield* Options.integer("batchSize", options.batchSize ?? maxBatchSize, { min: 1, max: maxBatchSize }),
      maxResponseBytes: yield* Options.integer("maxResponseBytes", options.maxResponseBytes ?? defaultMaxResponseBytes, {
        min: 1
      }),
      batching: yield* checkBatching(options.batching)
    }
  })
