/**
 * An in-memory TrackingMore v2 server on loopback: every endpoint, API keys, the documented rate limits and the
 * 120 s penalty after a 429, scripted and random faults, both HTTP-status modes and a time scale.
 *
 * @since 0.1.0
 */
import * as Policy from "@trackingmore-effect/core/Policy"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import type { Endpoint, RateGroup } from "./Endpoint.js"
import type { FaultOptions, ScriptedFault } from "./Fault.js"
import type * as Webhooks from "./Webhooks.js"
import { effectiveTimeScale } from "./internal/engine.js"
import * as internal from "./internal/http.js"
import * as rateLimit from "./internal/rateLimit.js"
import * as store from "./internal/store.js"

/**
 * One API key the simulator accepts, with its account flags.
 *
 * @since 0.1.0
 * @category models
 */
export interface KeyConfig {
  readonly key: string
  /** how many trackings this key may still create (undefined: unlimited; 0: every create answers 4019) */
  readonly balance?: number
  /** every call with this key answers 4021 */
  readonly quotaExhausted?: boolean
  /** every call with this key answers 4002 */
  readonly deleted?: boolean
  /** write calls (create, batch, update, delete, updateMany, deleteMany, changeCarrier) answer 401 */
  readonly readOnly?: boolean
}

/**
 * Rate limits in requests per **simulated** second, per key and group.
 *
 * @since 0.1.0
 * @category models
 */
export interface RateLimitOptions {
  /** every endpoint except realtime and list (default 1) */
  readonly default?: number
  /** POST /trackings/realtime (default 3) */
  readonly realtime?: number
  /** GET /trackings/get (default 1) */
  readonly list?: number
  /** token-bucket capacity, for all groups or per group (default: rate + 1) */
  readonly burst?: number | Partial<Record<RateGroup, number>>
  /** simulated seconds during which a key receives 429 on every endpoint after going over a limit (default 120) */
  readonly penaltySeconds?: number
  /**
   * whether a request that arrives during the penalty restarts it from its arrival (default false: the penalty
   * ends `penaltySeconds` after the request that started it, whatever arrives meanwhile). TrackingMore does not
   * document which it does; this switch lets a client be tried against both.
   *
   * @since 0.2.0
   */
  readonly extendPenalty?: boolean
}

/**
 * How HTTP statuses are chosen: `always-200` puts the code only in `meta.code`; `mirror` sends three-digit codes
 * as the HTTP status and 400 for four-digit codes.
 *
 * @since 0.1.0
 * @category models
 */
export type Mode = "always-200" | "mirror"

/**
 * Options of a simulator. Every field is optional.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** default 0 (a free port) */
  readonly port?: number
  /** default "127.0.0.1" */
  readonly host?: string
  /** seeds lifecycles and random faults (default 1) */
  readonly seed?: number
  /** real seconds per simulated second (default 1; 0.01 makes one simulated second last 10 ms) */
  readonly timeScale?: number
  /** default "always-200" */
  readonly mode?: Mode
  /** the accepted keys (default: {@link defaultKeys}) */
  readonly keys?: ReadonlyArray<KeyConfig>
  readonly rateLimits?: RateLimitOptions
  readonly faults?: FaultOptions
  /** serve `/_control/*` (default false) */
  readonly control?: boolean
  /** simulated seconds between two lifecycle steps (default 1800: final after 4–6 steps, 2–3 simulated hours) */
  readonly lifecycleStepSeconds?: number
  /** simulated epoch ms at start (default: the real time at start) */
  readonly startTime?: number
  /** log entries kept, oldest dropped first (default 100000) */
  readonly logLimit?: number
  /** push signed updates to these URLs on every status change (default: no pushes); see `Webhooks` */
  readonly webhooks?: Webhooks.Options
}

/**
 * One request as the simulator saw it.
 *
 * @since 0.1.0
 * @category models
 */
export interface LogEntry {
  /** real epoch ms of arrival */
  readonly at: number
  /** simulated epoch ms of arrival */
  readonly simulatedAt: number
  readonly method: string
  readonly path: string
  readonly endpoint: Endpoint | undefined
  /** the key sent in `Trackingmore-Api-Key`, if any */
  readonly key: string | undefined
  /** the HTTP status sent; 0 when no response was sent (reset, timeout) */
  readonly status: number
  /** `meta.code` of the response, if it carried an envelope */
  readonly code: number | undefined
  readonly fault?: ScriptedFault
}

/**
 * Request counts: in total, per endpoint (`"unrouted"` for 404/405) and code (or fault kind when the answer
 * carried no code), and per code.
 *
 * @since 0.1.0
 * @category models
 */
export interface Counters {
  readonly total: number
  readonly byEndpoint: Readonly<Record<string, Readonly<Record<string, number>>>>
  readonly byCode: Readonly<Record<string, number>>
}

/**
 * A changeable part of the simulator, as `POST /_control/scenario` takes it.
 *
 * @since 0.1.0
 * @category models
 */
export interface Scenario {
  readonly faults?: FaultOptions
  readonly keys?: ReadonlyArray<KeyConfig>
  readonly rateLimits?: RateLimitOptions
  readonly mode?: Mode
}

/**
 * A running simulator.
 *
 * @since 0.1.0
 * @category models
 */
export interface SimulatorHandle {
  /** e.g. `http://127.0.0.1:54321/v2` */
  readonly baseUrl: string
  /** e.g. `http://127.0.0.1:54321` (the control surface lives at `${origin}/_control`) */
  readonly origin: string
  readonly port: number
  /** the keys configured at start */
  readonly keys: ReadonlyArray<string>
  readonly log: () => ReadonlyArray<LogEntry>
  readonly counters: () => Counters
  /** replaces the fault configuration (script positions restart) */
  readonly setFaults: (faults: FaultOptions) => void
  /** adds a key or changes its flags */
  readonly setKey: (key: KeyConfig) => void
  /** replaces the rate limits (buckets restart full, penalties stay) */
  readonly setRateLimits: (limits: RateLimitOptions) => void
  readonly setMode: (mode: Mode) => void
  /** applies a scenario (the same as `POST /_control/scenario`) */
  readonly scenario: (scenario: Scenario) => void
  /** moves the simulated clock forward */
  readonly advance: (simulatedMs: number) => void
  /** the simulated epoch ms now */
  readonly now: () => number
  /** back to the state right after start: options as given, empty store, log, counters, buckets and penalties */
  readonly reset: () => void
  /** every webhook delivery so far, with its attempts, oldest first */
  readonly deliveries: () => ReadonlyArray<Webhooks.Delivery>
  /** webhook deliveries by state, and attempts */
  readonly webhookCounts: () => Webhooks.Counts
  /**
   * Starts pushing to `webhooks.urls` (trackings created from now on are followed from their creation, the others
   * from now on), or stops pushing with `undefined`; the deliveries so far stay. Throws on a URL that is not
   * `http:` on loopback (unless `allowRemote`) or on more than 4 URLs.
   */
  readonly setWebhooks: (webhooks: Webhooks.Options | undefined) => void
}

/**
 * A running simulator started without Effect.
 *
 * @since 0.1.0
 * @category models
 */
export interface SimulatorServer extends SimulatorHandle {
  /** stops listening and drops every open connection (hanging `timeout` requests included) */
  readonly close: () => Promise<void>
}

/**
 * The keys accepted when no `keys` option is given.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultKeys: ReadonlyArray<KeyConfig> = store.defaultKeys

/**
 * Starts a simulator without Effect.
 *
 * @since 0.1.0
 * @category constructors
 * @example
 * ```ts
 * import { Simulator } from "@trackingmore-effect/simulator"
 * const sim = await Simulator.startServer({ timeScale: 0.01 })
 * await fetch(`${sim.baseUrl}/carriers`, { headers: { "Trackingmore-Api-Key": "sim-key-1" } })
 * await sim.close()
 * ```
 */
export const startServer = (options: Options = {}): Promise<SimulatorServer> => internal.startServer(options)

/**
 * Starts a simulator for the lifetime of a scope. Failing to listen is a defect.
 *
 * @since 0.1.0
 * @category constructors
 */
export const start = (options: Options = {}): Effect.Effect<SimulatorHandle, never, Scope.Scope> =>
  Effect.map(
    Effect.acquireRelease(
      Effect.orDie(Effect.tryPromise(() => internal.startServer(options))),
      (server) => Effect.promise(() => server.close())
    ),
    (server): SimulatorHandle => server
  )

/**
 * The simulator as a service.
 *
 * @since 0.1.0
 * @category tags
 */
export class Simulator extends Context.Tag("@trackingmore-effect/simulator/Simulator")<Simulator, SimulatorHandle>() {}

/**
 * A layer that starts a simulator and provides its handle; the server stops when the layer is released.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options = {}): Layer.Layer<Simulator> => Layer.scoped(Simulator, start(options))

/**
 * A rate limit as a client takes it: at most `limit` requests per `window`.
 *
 * @since 0.2.0
 * @category client options
 */
export interface ClientRateLimit {
  readonly limit: number
  readonly window: Duration.DurationInput
}

/**
 * What a client needs to talk to a time-scaled simulator as it would to the API: see {@link clientOptions}.
 * Plain data, so that it spreads into the options of `@trackingmore-effect/client` or `/promise`.
 *
 * @since 0.2.0
 * @category client options
 */
export interface ClientOptions {
  readonly policy: Policy.PolicyOptions
  readonly rateLimits: { readonly [Group in RateGroup]: ClientRateLimit }
  readonly attemptTimeout: Duration.DurationInput
}

/** The client's own attempt timeout (30 seconds), in simulated seconds. */
const attemptTimeoutSeconds = 30

/** The shortest attempt timeout, in real ms: a loopback answer does not get faster with the time scale. */
const leastAttemptTimeoutMs = 500

/**
 * Client options for a simulator running at `timeScale` (real seconds per simulated second, as in
 * {@link Options}), so that the client meets the simulator as it would the API, only faster:
 *
 * - `policy`: every duration of core's `Policy.defaults` (the 429 wait, the 503 and 500 backoffs, the 4031
 *   re-poll interval, the halts, the deadline) times `timeScale`;
 * - `rateLimits`: the simulator's default limits per group (1, 3 and 1 requests per simulated second), each
 *   window one simulated second;
 * - `attemptTimeout`: 30 simulated seconds (the client's default), but never under half a real second, as the
 *   simulator answers in real time.
 *
 * A `timeScale` that is not positive counts as 1, as for the simulator.
 *
 * @since 0.2.0
 * @category client options
 * @example
 * ```ts
 * import { Simulator } from "@trackingmore-effect/simulator"
 * const options = Simulator.clientOptions(0.01)
 * options.policy.tooManyRequests // { wait: 1200 millis }: the 2-minute cooldown, at a hundredth
 * ```
 */
export const clientOptions = (timeScale: number): ClientOptions => {
  const scale = effectiveTimeScale(timeScale)
  const scaled = (duration: Duration.Duration): Duration.Duration => Duration.millis(Duration.toMillis(duration) * scale)
  const halt = (duration: Duration.Duration | undefined): Duration.Duration | null =>
    duration === undefined ? null : scaled(duration)
  const jitter = (options: Policy.PolicyConfig["serverError"]) => ({
    base: scaled(Duration.decode(options.base)),
    cap: scaled(Duration.decode(options.cap))
  })
  const defaults = Policy.defaults
  const window = Duration.millis(1000 * scale)
  const rates = rateLimit.defaultRates
  return {
    policy: {
      tooManyRequests: { wait: scaled(defaults.tooManyRequests.wait) },
      serviceUnavailable: jitter(defaults.serviceUnavailable),
      serverError: jitter(defaults.serverError),
      notRegistered: { interval: scaled(defaults.notRegistered.interval) },
      authHalt: halt(defaults.authHalt),
      billingHalt: halt(defaults.billingHalt),
      deadline: scaled(defaults.deadline)
    },
    rateLimits: {
      default: { limit: rates.default, window },
      realtime: { limit: rates.realtime, window },
      list: { limit: rates.list, window }
    },
    attemptTimeout: Duration.millis(Math.max(attemptTimeoutSeconds * 1000 * scale, leastAttemptTimeoutMs))
  }
}
