/**
 * The simulator's state machine, as plain functions over plain state (the HTTP layer is in `http.ts`): the
 * simulated clock, the keys, the log and counters, the fault picker, and the checks every request passes before
 * its endpoint's handler.
 */
import type { Endpoint } from "../Endpoint.js"
import { isWrite, rateGroup } from "../Endpoint.js"
import type { FaultOptions, ScriptedFault } from "../Fault.js"
import { kinds as faultKinds } from "../Fault.js"
import type { Counters, KeyConfig, LogEntry, Mode, Options, RateLimitOptions, Scenario } from "../Simulator.js"
import type { Request, World } from "./handlers.js"
import { handlers } from "./handlers.js"
import { generator } from "./random.js"
import type { RateConfig } from "./rateLimit.js"
import { rateConfig, take } from "./rateLimit.js"
import type { Result } from "./result.js"
import { fail } from "./result.js"
import type { KeyState } from "./store.js"
import { defaultKeys, keyState } from "./store.js"

interface Config {
  mode: Mode
  rates: RateConfig
  faults: FaultOptions
}

const configOf = (options: Options): Config => ({
  mode: options.mode ?? "always-200",
  rates: rateConfig(options.rateLimits ?? {}),
  faults: options.faults ?? {}
})

/** Real seconds per simulated second: the option, when it is positive, else 1. */
export const effectiveTimeScale = (timeScale: number | undefined): number =>
  timeScale !== undefined && timeScale > 0 ? timeScale : 1

export class Engine implements World {
  readonly seed: number
  readonly stepMs: number
  readonly logLimit: number
  config: Config
  keys = new Map<string, KeyState>()
  logEntries: Array<LogEntry> = []
  total = 0
  byEndpoint: Record<string, Record<string, number>> = {}
  byCode: Record<string, number> = {}
  scriptPos: Partial<Record<Endpoint, number>> = {}
  rng: () => number
  readonly realStart: number
  readonly simStart: number
  offset = 0
  nextId = 1

  constructor(readonly options: Options) {
    this.seed = options.seed ?? 1
    this.stepMs = (options.lifecycleStepSeconds ?? 1800) * 1000
    this.logLimit = options.logLimit ?? 100_000
    this.config = configOf(options)
    this.rng = generator(this.seed)
    this.realStart = Date.now()
    this.simStart = options.startTime ?? this.realStart
    for (const k of options.keys ?? defaultKeys) this.setKey(k)
  }

  get timeScale(): number {
    return effectiveTimeScale(this.options.timeScale)
  }

  /** The simulated epoch ms now: the real time since start, scaled, plus every `advance`. */
  now(): number {
    return this.simStart + (Date.now() - this.realStart) / this.timeScale + this.offset
  }

  readonly newId = (): string => `sim${(this.nextId++).toString(16).padStart(12, "0")}`

  reset(): void {
    this.config = configOf(this.options)
    this.keys = new Map()
    for (const k of this.options.keys ?? defaultKeys) this.setKey(k)
    this.logEntries = []
    this.total = 0
    this.byEndpoint = {}
    this.byCode = {}
    this.scriptPos = {}
    this.rng = generator(this.seed)
    this.nextId = 1
  }

  setKey(config: KeyConfig): void {
    const existing = this.keys.get(config.key)
    if (existing === undefined) {
      this.keys.set(config.key, keyState(config))
      return
    }
    existing.config = { ...existing.config, ...config }
    if (config.balance !== undefined) existing.balanceLeft = config.balance
  }

  setFaults(faults: FaultOptions): void {
    this.config.faults = faults
    this.scriptPos = {}
  }

  setRateLimits(limits: RateLimitOptions): void {
    this.config.rates = rateConfig(limits)
    for (const state of this.keys.values()) state.buckets.clear()
  }

  scenario(s: Scenario): void {
    if (s.faults !== undefined) this.setFaults(s.faults)
    if (s.rateLimits !== undefined) this.setRateLimits(s.rateLimits)
    if (s.mode !== undefined) this.config.mode = s.mode
    for (const k of s.keys ?? []) this.setKey(k)
  }

  record(entry: LogEntry): void {
    if (this.logEntries.length >= this.logLimit) this.logEntries.splice(0, Math.max(1, this.logLimit >> 4))
    this.logEntries.push(entry)
    this.total++
    const bucket = entry.code !== undefined ? String(entry.code) : (entry.fault ?? String(entry.status))
    const ep = entry.endpoint ?? "unrouted"
    const counts = (this.byEndpoint[ep] ??= {})
    counts[bucket] = (counts[bucket] ?? 0) + 1
    this.byCode[bucket] = (this.byCode[bucket] ?? 0) + 1
  }

  counters(): Counters {
    const byEndpoint: Record<string, Record<string, number>> = {}
    for (const [k, v] of Object.entries(this.byEndpoint)) byEndpoint[k] = { ...v }
    return { total: this.total, byEndpoint, byCode: { ...this.byCode } }
  }

  /** The fault of the next request to `endpoint`: a scripted one first, else a seeded random draw. */
  pickFault(endpoint: Endpoint): ScriptedFault | undefined {
    const faults = this.config.faults
    const script = faults.scripted?.[endpoint]
    if (script !== undefined) {
      const pos = this.scriptPos[endpoint] ?? 0
      if (pos < script.length) {
        this.scriptPos[endpoint] = pos + 1
        const step = script[pos]!
        return step === "none" ? undefined : step
      }
    }
    const random = faults.random
    if (random === undefined) return undefined
    // Every routed request draws once, whatever its endpoint, so the sequence depends on the requests alone.
    const u = this.rng()
    if (random.endpoints !== undefined && !random.endpoints.includes(endpoint)) return undefined
    let acc = 0
    if (random.rates !== undefined) {
      for (const kind of faultKinds) {
        acc += random.rates[kind] ?? 0
        if (u < acc) return kind
      }
    }
    if (random.rate !== undefined && random.rate > 0) {
      const kinds = random.kinds !== undefined && random.kinds.length > 0 ? random.kinds : faultKinds
      const each = random.rate / kinds.length
      for (const kind of kinds) {
        acc += each
        if (u < acc) return kind
      }
    }
    return undefined
  }

  /**
   * A penalty for the key from `now` (a scripted "429-penalty"). One that arrives during a penalty restarts it only
   * when penalties are extended.
   */
  startPenalty(key: string | undefined, now: number): void {
    const state = key === undefined ? undefined : this.keys.get(key)
    if (state === undefined) return
    if (state.penaltyUntil <= now || this.config.rates.extendPenalty) state.penaltyUntil = now + this.config.rates.penaltyMs
  }

  /** The answer to a routed request at simulated `now`: key, penalty, rate limit, account flags, then the endpoint. */
  handle(request: Request, now: number): Result {
    const state = request.key === undefined ? undefined : this.keys.get(request.key)
    if (state === undefined) return fail(4001)
    if (state.config.deleted === true) return fail(4002)
    if (state.penaltyUntil > now) {
      // With `extendPenalty`, every request that arrives during the penalty restarts it.
      if (this.config.rates.extendPenalty) state.penaltyUntil = now + this.config.rates.penaltyMs
      return fail(429, `Key cooling down until ${new Date(state.penaltyUntil).toISOString()} (simulated).`)
    }
    const group = rateGroup(request.endpoint)
    if (!take(state.buckets, this.config.rates, group, now)) {
      state.penaltyUntil = now + this.config.rates.penaltyMs
      return fail(429, `Over ${this.config.rates.rates[group]} req/s for group "${group}".`)
    }
    if (state.config.quotaExhausted === true) return fail(4021)
    if (state.config.readOnly === true && isWrite(request.endpoint)) return fail(401, "This key is read-only.")
    return handlers[request.endpoint]({ world: this, state, request, now })
  }
}
