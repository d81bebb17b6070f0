/**
 * Which TrackingMore the app talks to: the real API when `TRACKINGMORE_API_KEY` is set (optionally at
 * `TRACKINGMORE_BASE_URL`), the embedded simulator otherwise; and, when `REDIS_URL` is set, the cooldown, rate
 * limiter and retry budget shared on Redis.
 */
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as TrackingMoreClient from "@trackingmore-effect/client/TrackingMoreClient"
import type * as ClientOptions from "@trackingmore-effect/core/Options"
import { RedisTrackingMore } from "@trackingmore-effect/redis"
import { Simulator } from "@trackingmore-effect/simulator"
import * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as Duration from "effect/Duration"
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

/**
 * The push faults of the embedded simulator under `--follow webhook`: some deliveries repeated, some held back
 * behind a newer one, some signed with a wrong key (refused with 401, then re-delivered), so that the receiver's
 * checks have something to do.
 */
export const embeddedWebhookFaults = { duplicate: 0.05, outOfOrder: 0.05, badSignature: 0.02 } as const

/** {@link embeddedWebhookFaults} in words. */
export const embeddedWebhookFaultsText = "5% repeated, 5% held back behind a newer update, 2% signed with a wrong key"

/**
 * A duration of the backend's time (simulated time at `timeScale`) as the real time the client waits: the one
 * conversion every duration the user gives, and every default, goes through.
 */
export const toRealTime = (duration: Duration.DurationInput, timeScale: number): Duration.Duration =>
  Duration.millis(Duration.toMillis(Duration.decode(duration)) * timeScale)

/** Client options for a simulator running at `scale`: the simulator's own `clientOptions` (rates and policy alike). */
export const scaledClientOptions = (
  baseUrl: string,
  scale: number = embeddedTimeScale,
  apiKey = "sim-key-1"
): TrackingMoreClient.ClientOptions => ({
  apiKey: Redacted.make(apiKey),
  baseUrl,
  ...Simulator.clientOptions(scale)
})

/** What the app is connected to. */
export interface Backend {
  /** The lines to print first (where, which key, Redis). */
  readonly banner: ReadonlyArray<string>
  /** The embedded simulator, when there is one. */
  readonly simulator: Option.Option<Simulator.SimulatorHandle>
  /**
   * Real seconds per second of the backend's time: 1 against the API, {@link embeddedTimeScale} with the
   * embedded simulator. The durations below and those the user gives are in the backend's time; convert them
   * with {@link toRealTime}.
   */
  readonly timeScale: number
  /** Default poll interval and deadline, in the backend's time. */
  readonly pollInterval: Duration.Duration
  readonly pollDeadline: Duration.Duration
  /**
   * The client, over fetch (and Redis when configured). It fails with `InvalidOption` when the environment
   * gives an option it cannot work with (e.g. a `TRACKINGMORE_BASE_URL` that is not http(s)).
   */
  readonly client: Layer.Layer<TrackingMoreClient.TrackingMoreClient, ClientOptions.InvalidOption>
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
 * The default poll interval and deadline, in the backend's time: against the API a poll every 5 minutes for
 * 6 hours (carriers update every few hours); with the embedded simulator, whose shipments move every 5
 * simulated minutes, a poll every simulated minute for 4 simulated hours.
 */
export const defaultDurations = (embedded: boolean): {
  readonly pollInterval: Duration.Duration
  readonly pollDeadline: Duration.Duration
} =>
  embedded
    ? { pollInterval: Duration.minutes(1), pollDeadline: Duration.hours(4) }
    : { pollInterval: Duration.minutes(5), pollDeadline: Duration.hours(6) }

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
  let timeScale = 1
  if (Option.isSome(apiKey) && Redacted.value(apiKey.value).trim().length > 0) {
    const url = Option.getOrElse(baseUrl, () => TrackingMoreClient.defaultBaseUrl)
    banner.push(`Using the TrackingMore API at ${url} with the key from TRACKINGMORE_API_KEY (default settings).`)
    options = { apiKey: apiKey.value, baseUrl: url }
  } else {
    const sim = yield* Simulator.start(embeddedSimulatorOptions())
    simulator = Option.some(sim)
    banner.push(
      `No TRACKINGMORE_API_KEY: using the embedded TrackingMore simulator at ${sim.baseUrl} ` +
        `(time scale ${embeddedTimeScale}: one simulated minute lasts ${60 * embeddedTimeScale * 1000} ms; ` +
        `3% random faults: 503, reset, html502, truncated).`
    )
    options = scaledClientOptions(sim.baseUrl)
    timeScale = embeddedTimeScale
  }

  let client: Layer.Layer<TrackingMoreClient.TrackingMoreClient, ClientOptions.InvalidOption> = TrackingMoreClient.layer(options).pipe(
    Layer.provide(FetchHttpClient.layer)
  )
  if (Option.isSome(redisUrl)) {
    banner.push(`REDIS_URL is set: cooldown, rate limiter and retry budget are shared on Redis at ${safeUrl(redisUrl.value)}.`)
    client = client.pipe(Layer.provide(RedisTrackingMore.layer({ url: redisUrl.value })))
  }
  const defaults = defaultDurations(Option.isSome(simulator))
  return { banner, simulator, timeScale, ...defaults, client }
})
