/**
 * Which TrackingMore the app talks to: the real API when `TRACKINGMORE_API_KEY` is set (optionally at
 * `TRACKINGMORE_BASE_URL`), the embedded simulator otherwise; and, when `REDIS_URL` is set, the cooldown, rate
 * limiter and retry budget shared on Redis.
 */
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as TrackingMoreClient from "@trackingmore-effect/client/TrackingMoreClient"
import { RedisTrackingMore } from "@trackingmore-effect/redis"
import { Simulator } from "@trackingmore-effect/simulator"
import * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"

/** Real seconds per simulated second of the embedded simulator: one simulated minute lasts 120 ms. */
export const embeddedTimeScale = 0.002

/** The embedded simulator: moderate random faults, lifecycle steps of 5 simulated minutes. */
export const embeddedSimulatorOptions = (overrides: Simulator.Options = {}): Simulator.Options => ({
  seed: 1,
  timeScale: embeddedTimeScale,
  lifecycleStepSeconds: 300,
  faults: { random: { rate: 0.03, kinds: ["503", "reset", "html502", "truncated"] } },
  ...overrides
})

/** A duration of `seconds` simulated seconds at `scale`. */
const scaled = (seconds: number, scale: number): Duration.DurationInput => `${seconds * scale * 1000} millis`

/** Client options for a simulator running at `scale`: the documented rates and the policy, scaled alike. */
export const scaledClientOptions = (
  baseUrl: string,
  scale: number = embeddedTimeScale,
  apiKey = "sim-key-1"
): TrackingMoreClient.ClientOptions => ({
  apiKey: Redacted.make(apiKey),
  baseUrl,
  policy: {
    tooManyRequests: { wait: scaled(120, scale) },
    serviceUnavailable: { base: scaled(1, scale), cap: scaled(30, scale) },
    serverError: { base: scaled(0.5, scale), cap: scaled(10, scale) },
    notRegistered: { interval: scaled(2, scale) },
    billingHalt: scaled(600, scale),
    deadline: scaled(600, scale)
  },
  rateLimits: {
    default: { limit: 1, window: scaled(1, scale) },
    realtime: { limit: 3, window: scaled(1, scale) },
    list: { limit: 1, window: scaled(1, scale) }
  },
  attemptTimeout: "5 seconds"
})

/** What the app is connected to. */
export interface Backend {
  /** The lines to print first (where, which key, Redis). */
  readonly banner: ReadonlyArray<string>
  /** The embedded simulator, when there is one. */
  readonly simulator: Option.Option<Simulator.SimulatorHandle>
  /** Default poll interval and deadline for this backend. */
  readonly pollInterval: Duration.DurationInput
  readonly pollDeadline: Duration.DurationInput
  /** The client, over fetch (and Redis when configured). */
  readonly client: Layer.Layer<TrackingMoreClient.TrackingMoreClient>
}

/** A Redis URL without its password, for printing. */
const safeUrl = (url: string): string => {
  try {
    const parsed = new URL(url)
    if (parsed.password !== "") parsed.password = "***"
    return parsed.toString()
  } catch {
    return "(unparseable URL)"
  }
}

/**
 * Chooses the backend from the environment. The embedded simulator lives as long as the scope.
 */
export const fromEnvironment: Effect.Effect<Backend, ConfigError.ConfigError, Scope.Scope> = Effect.gen(function*() {
  const apiKey = yield* Config.option(Config.redacted("TRACKINGMORE_API_KEY"))
  const baseUrl = yield* Config.option(Config.nonEmptyString("TRACKINGMORE_BASE_URL"))
  const redisUrl = yield* Config.option(Config.nonEmptyString("REDIS_URL"))

  const banner: Array<string> = []
  let simulator: Option.Option<Simulator.SimulatorHandle> = Option.none()
  let options: TrackingMoreClient.ClientOptions
  let pollInterval: Duration.DurationInput
  let pollDeadline: Duration.DurationInput
  if (Option.isSome(apiKey) && Redacted.value(apiKey.value).trim().length > 0) {
    const url = Option.getOrElse(baseUrl, () => TrackingMoreClient.defaultBaseUrl)
    banner.push(`Using the TrackingMore API at ${url} with the key from TRACKINGMORE_API_KEY (default settings).`)
    options = { apiKey: apiKey.value, baseUrl: url }
    pollInterval = "5 minutes"
    pollDeadline = "6 hours"
  } else {
    const sim = yield* Simulator.start(embeddedSimulatorOptions())
    simulator = Option.some(sim)
    banner.push(
      `No TRACKINGMORE_API_KEY: using the embedded TrackingMore simulator at ${sim.baseUrl} ` +
        `(time scale ${embeddedTimeScale}: one simulated minute lasts ${60 * embeddedTimeScale * 1000} ms; ` +
        `3% random faults: 503, reset, html502, truncated).`
    )
    options = scaledClientOptions(sim.baseUrl)
    pollInterval = scaled(60, embeddedTimeScale)
    pollDeadline = scaled(4 * 3600, embeddedTimeScale)
  }

  let client: Layer.Layer<TrackingMoreClient.TrackingMoreClient> = TrackingMoreClient.layer(options).pipe(
    Layer.provide(FetchHttpClient.layer)
  )
  if (Option.isSome(redisUrl)) {
    banner.push(`REDIS_URL is set: cooldown, rate limiter and retry budget are shared on Redis at ${safeUrl(redisUrl.value)}.`)
    client = client.pipe(Layer.provide(RedisTrackingMore.layer({ url: redisUrl.value })))
  }
  return { banner, simulator, pollInterval, pollDeadline, client }
})
