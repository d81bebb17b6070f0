/**
 * `policy compare`: N virtual clients on one API key against an embedded simulator in time scale, once per
 * policy, each client a real `TrackingMoreClient` making its calls one after another.
 *
 * With the default policy the virtual clients share what a fleet shares through `@trackingmore-effect/redis`:
 * the key's gate (its 429 cooldown and halt), its rate limiter and its retry budget; they are the callers of one
 * client, which shares exactly these. The naive alternatives each change one thing:
 *
 * - **no jitter**: every backoff waits the whole window, `min(cap, base·2ⁿ)`, as a plain exponential backoff;
 * - **±20 % jitter**: the window varied by a factor in [0.8, 1.2], as Effect's `Schedule.jittered` does;
 * - **no shared cooldown**: the clients share nothing, as processes without Redis: each has a gate of its own
 *   (a 429 cools only the client that got it) and keeps to its share (1/N) of the key's rate limit.
 *
 * The jitter variants run core's own policy with another `Random`: its full-jitter delay is `r · window` for `r`
 * drawn from `Random.next`, so `r = 1` is the whole window and `r` in [0.8, 1.2] (`Schedule.jittered`'s
 * `d·0.8·(1−u) + d·1.2·u`) is the ±20 % jitter. Every duration of a policy (waits, backoffs, deadline) and the
 * client's rate limits are multiplied by the time scale, so the clients meet the simulator as they would meet
 * TrackingMore, only faster; the results are given in simulated time.
 *
 * @since 0.1.0
 */
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as TrackingMoreClient from "@trackingmore-effect/client/TrackingMoreClient"
import * as Policy from "@trackingmore-effect/core/Policy"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Random from "effect/Random"
import * as Redacted from "effect/Redacted"
import * as Fault from "@trackingmore-effect/simulator/Fault"
import * as Decisions from "./Decisions.js"
import * as Output from "./Output.js"
import * as SimProcess from "./SimProcess.js"
import * as Stop from "./Stop.js"

/**
 * The defaults of the command: small enough that the four runs take a few seconds.
 *
 * @since 0.1.0
 * @category defaults
 */
export const defaults = {
  clients: 5,
  calls: 10,
  faults: "503:0.1,429:0.02",
  timeScale: 0.02
} as const

/**
 * How a variant draws its backoff delays.
 *
 * @since 0.1.0
 * @category models
 */
export type Jitter = "full" | "none" | "effect"

/**
 * One policy to run.
 *
 * @since 0.1.0
 * @category models
 */
export interface Variant {
  readonly name: string
  readonly policy: Policy.PolicyConfig
  readonly jitter: Jitter
  /** Whether the clients share one gate (the key's cooldown and halt). */
  readonly sharedGate: boolean
}

/**
 * The default policy and the three naive alternatives.
 *
 * @since 0.1.0
 * @category defaults
 */
export const naiveAlternatives: ReadonlyArray<Variant> = [
  { name: "default", policy: Policy.defaults, jitter: "full", sharedGate: true },
  { name: "no jitter", policy: Policy.defaults, jitter: "none", sharedGate: true },
  { name: "±20% jitter (Schedule.jittered)", policy: Policy.defaults, jitter: "effect", sharedGate: true },
  { name: "no shared cooldown", policy: Policy.defaults, jitter: "full", sharedGate: false }
]

/**
 * What one variant did.
 *
 * @since 0.1.0
 * @category models
 */
export interface Row {
  readonly policy: string
  /** Requests that reached the simulator. */
  readonly calls: number
  /** Requests answered 429. */
  readonly tooManyRequests: number
  /** Requests that reached the simulator less than two minutes after a 429 answer on the key. */
  readonly insideCooldown: number
  /** Calls that ended in an error. */
  readonly failed: number
  /** Simulated seconds from the first call to the last answer. */
  readonly completionSeconds: number
  /** The completion time divided by the physical limit (1.00 is the best possible). */
  readonly ratio: number
}

/**
 * A whole comparison.
 *
 * @since 0.1.0
 * @category models
 */
export interface Report {
  readonly clients: number
  readonly calls: number
  readonly faults: string
  readonly timeScale: number
  readonly seed: number
  /** Simulated seconds the calls take at the key's rate limit with nothing going wrong. */
  readonly physicalLimitSeconds: number
  readonly rows: ReadonlyArray<Row>
}

/** TrackingMore's rule after a 429: "pause requests and wait two minutes". */
const documentedPenalty = Duration.minutes(2)

/** Requests per simulated second of the key's default group, the limit every call of the comparison counts against. */
const keyRate = 1

/**
 * Reads `--faults` with the simulator's own parser, so that it takes what the simulator's `--faults` takes.
 *
 * @since 0.1.0
 * @category parsing
 */
export const parseFaults = (command: string, spec: string): Effect.Effect<Fault.RandomFaults, Stop.Stop> =>
  Effect.suspend(() => {
    try {
      return Effect.succeed(Fault.parseSpec(spec))
    } catch (error) {
      return Effect.fail(Stop.usage(
        `${command}: --faults ${JSON.stringify(spec)} is not a fault spec: ${error instanceof Error ? error.message : String(error)}.`
      ))
    }
  })

/**
 * Reads `--time-scale`: a number of real seconds per simulated second, above 0 and at most 1.
 *
 * @since 0.1.0
 * @category parsing
 */
export const parseTimeScale = (command: string, value: Option.Option<string>): Effect.Effect<number, Stop.Stop> => {
  if (Option.isNone(value)) return Effect.succeed(defaults.timeScale)
  const n = Number(value.value)
  return Number.isFinite(n) && n > 0 && n <= 1 && value.value.trim() !== ""
    ? Effect.succeed(n)
    : Effect.fail(Stop.usage(
      `${command}: --time-scale must be a number above 0 and at most 1 (real seconds per simulated second), got "${value.value}".`
    ))
}

const scaled = (duration: Duration.Duration, timeScale: number): Duration.Duration =>
  Duration.isFinite(duration) ? Duration.millis(Duration.toMillis(duration) * timeScale) : duration

/**
 * A policy with every duration multiplied by the time scale, as client options.
 *
 * @since 0.1.0
 * @category scaling
 */
export const scalePolicy = (config: Policy.PolicyConfig, timeScale: number): Policy.PolicyOptions => ({
  tooManyRequests: { wait: scaled(config.tooManyRequests.wait, timeScale), maxCooldowns: config.tooManyRequests.maxCooldowns },
  serviceUnavailable: {
    base: scaled(Duration.decode(config.serviceUnavailable.base), timeScale),
    cap: scaled(Duration.decode(config.serviceUnavailable.cap), timeScale),
    maxRetries: config.serviceUnavailable.maxRetries
  },
  serverError: {
    base: scaled(Duration.decode(config.serverError.base), timeScale),
    cap: scaled(Duration.decode(config.serverError.cap), timeScale),
    maxRetries: config.serverError.maxRetries
  },
  notRegistered: { interval: scaled(config.notRegistered.interval, timeScale), maxRepolls: config.notRegistered.maxRepolls },
  authHalt: config.authHalt === undefined ? null : scaled(config.authHalt, timeScale),
  billingHalt: config.billingHalt === undefined ? null : scaled(config.billingHalt, timeScale),
  deadline: scaled(config.deadline, timeScale)
})

/** Effect's `Schedule.jittered`: a delay `d` becomes `d·0.8·(1−u) + d·1.2·u`, `u` uniform in [0, 1). */
class EffectJitterRandom implements Random.Random {
  readonly [Random.RandomTypeId]: Random.RandomTypeId = Random.RandomTypeId
  constructor(readonly base: Random.Random) {}
  get next(): Effect.Effect<number> {
    return Effect.map(this.base.next, (u) => 0.8 * (1 - u) + 1.2 * u)
  }
  get nextBoolean() {
    return this.base.nextBoolean
  }
  get nextInt() {
    return this.base.nextInt
  }
  nextRange(min: number, max: number) {
    return this.base.nextRange(min, max)
  }
  nextIntBetween(min: number, max: number) {
    return this.base.nextIntBetween(min, max)
  }
  shuffle<A>(elements: Iterable<A>) {
    return this.base.shuffle(elements)
  }
}

const randomOf = (jitter: Jitter, seed: number): Random.Random => {
  switch (jitter) {
    case "full":
      return Random.make(seed)
    case "none":
      return Random.fixed([1])
    case "effect":
      return new EffectJitterRandom(Random.make(seed))
  }
}

const simulatorKey = "sim-key-1"

const runVariant = (
  variant: Variant,
  options: { readonly clients: number; readonly calls: number; readonly faultSpec: string; readonly timeScale: number; readonly seed: number }
): Effect.Effect<Row, Stop.Stop> =>
  Effect.scoped(Effect.gen(function*() {
    const { timeScale } = options
    const sim = yield* SimProcess.start([
      "--time-scale",
      String(timeScale),
      "--seed",
      String(options.seed),
      ...(options.faultSpec.trim() === "" ? [] : ["--faults", options.faultSpec])
    ])
    // Without a shared gate the clients share nothing: each keeps to its share of the key's rate limit.
    const share = variant.sharedGate ? 1 : options.clients
    const window = (limit: TrackingMoreClient.RateLimit) => ({
      limit: limit.limit,
      window: scaled(Duration.times(Duration.decode(limit.window), share), timeScale)
    })
    const clientOptions: TrackingMoreClient.ClientOptions = {
      apiKey: Redacted.make(simulatorKey),
      baseUrl: sim.baseUrl,
      policy: scalePolicy(variant.policy, timeScale),
      rateLimits: {
        default: window(TrackingMoreClient.defaultRateLimits.default),
        realtime: window(TrackingMoreClient.defaultRateLimits.realtime),
        list: window(TrackingMoreClient.defaultRateLimits.list)
      },
      attemptTimeout: Duration.millis(Math.max(500, 30_000 * timeScale))
    }
    const make = TrackingMoreClient.make(clientOptions).pipe(
      Effect.provide(FetchHttpClient.layer),
      Effect.mapError((error) =>
        Stop.usage(`trackingmore policy compare: the policy ${variant.name} cannot be used: ${error.message}.`)
      )
    )
    // A shared gate: one client whose callers are the virtual clients, as the processes of a fleet share the
    // gate, the rate limiter and the retry budget through Redis.
    const shared = variant.sharedGate ? yield* make : undefined
    const clients = yield* Effect.forEach(Array.from({ length: options.clients }), () =>
      shared === undefined ? make : Effect.succeed(shared))
    // Processes that share nothing start one after the other, each in its own slot of the key's rate.
    const slot = scaled(Duration.seconds(1 / keyRate), timeScale)
    const started = Date.now()
    const results = yield* Effect.forEach(
      clients,
      (client, i) =>
        Effect.forEach(Array.from({ length: options.calls }), () => Effect.either(client.userInfo)).pipe(
          Effect.delay(shared === undefined ? Duration.times(slot, i) : Duration.zero)
        ),
      { concurrency: "unbounded" }
    ).pipe(Effect.withRandom(randomOf(variant.jitter, options.seed)))
    const completionSeconds = (Date.now() - started) / 1000 / timeScale
    const log = (yield* sim.log).filter((entry) => entry.key === simulatorKey)
    const penalty = Duration.toMillis(documentedPenalty)
    let coolingUntil = -Infinity
    let insideCooldown = 0
    let tooManyRequests = 0
    for (const entry of log) {
      if (entry.simulatedAt < coolingUntil) insideCooldown++
      if (entry.code === 429 || entry.status === 429) {
        tooManyRequests++
        coolingUntil = Math.max(coolingUntil, entry.simulatedAt + penalty)
      }
    }
    const physical = (options.clients * options.calls) / keyRate
    return {
      policy: variant.name,
      calls: log.length,
      tooManyRequests,
      insideCooldown,
      failed: results.flat().filter(Either.isLeft).length,
      completionSeconds: Math.round(completionSeconds * 10) / 10,
      ratio: Math.round((completionSeconds / physical) * 100) / 100
    }
  }))

/**
 * Runs every variant, one after the other, each against a simulator of its own.
 *
 * @since 0.1.0
 * @category running
 */
export const run = (options: {
  readonly clients: number
  readonly calls: number
  readonly faultSpec: string
  readonly timeScale: number
  readonly seed: number
  readonly variants: ReadonlyArray<Variant>
}): Effect.Effect<Report, Stop.Stop> =>
  Effect.map(
    Effect.forEach(options.variants, (variant) => runVariant(variant, options)),
    (rows): Report => ({
      clients: options.clients,
      calls: options.calls,
      faults: options.faultSpec,
      timeScale: options.timeScale,
      seed: options.seed,
      physicalLimitSeconds: (options.clients * options.calls) / keyRate,
      rows
    })
  )

/**
 * The report as a table with its setting and what the columns mean.
 *
 * @since 0.1.0
 * @category rendering
 */
export const renderText = (report: Report, paint: Output.Paint): string => {
  const total = report.clients * report.calls
  const lines = [
    `${paint.bold("policy compare")}: ${report.clients} clients × ${report.calls} calls on one key (${total} calls; ` +
    `physical limit ${Decisions.formatDuration(report.physicalLimitSeconds * 1000)} at ${keyRate} call/s), faults ${report.faults}, ` +
    `time scale ${report.timeScale}, seed ${report.seed}`,
    "",
    Output.table(
      ["POLICY", "CALLS SENT", "429s", "IN COOLDOWN", "FAILED", "COMPLETION", "× LIMIT"],
      report.rows.map((row) => [
        row.policy,
        String(row.calls),
        String(row.tooManyRequests),
        row.insideCooldown > 0 ? paint.red(String(row.insideCooldown)) : String(row.insideCooldown),
        row.failed > 0 ? paint.red(String(row.failed)) : String(row.failed),
        Decisions.formatDuration(row.completionSeconds * 1000),
        row.ratio.toFixed(2)
      ]),
      { align: ["left", "right", "right", "right", "right", "right", "right"], paint }
    ),
    "",
    Output.wrap(
      "Times are simulated. IN COOLDOWN: requests sent less than two minutes after a 429 on the key, which " +
        "TrackingMore refuses (the simulator's random 429 faults carry no penalty, so it answers them). " +
        "× LIMIT: completion time over the physical limit."
    )
  ]
  return lines.join("\n")
}
