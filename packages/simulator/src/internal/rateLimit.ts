/**
 * The documented rate limits as token buckets in simulated time, one per key and group.
 */
import type { RateGroup } from "../Endpoint.js"
import type { RateLimitOptions } from "../Simulator.js"

/** Requests per simulated second of each group when the options do not say (the API's documented limits). */
export const defaultRates: Readonly<Record<RateGroup, number>> = { default: 1, realtime: 3, list: 1 }

/** Simulated seconds of the penalty after going over a limit when the options do not say. */
export const defaultPenaltySeconds = 120

export interface RateConfig {
  readonly rates: Readonly<Record<RateGroup, number>>
  readonly burst: Readonly<Record<RateGroup, number>>
  readonly penaltyMs: number
  /** A request arriving during the penalty restarts it from its arrival. */
  readonly extendPenalty: boolean
}

export const rateConfig = (limits: RateLimitOptions): RateConfig => {
  const rates: Record<RateGroup, number> = {
    default: limits.default ?? defaultRates.default,
    realtime: limits.realtime ?? defaultRates.realtime,
    list: limits.list ?? defaultRates.list
  }
  // The default capacity is rate + 1: a tolerance of one request, so network jitter does not punish a client
  // that sends exactly at the rate.
  const burstOf = (group: RateGroup): number => {
    const b = limits.burst
    if (typeof b === "number") return b
    return b?.[group] ?? rates[group] + 1
  }
  return {
    rates,
    burst: { default: burstOf("default"), realtime: burstOf("realtime"), list: burstOf("list") },
    penaltyMs: (limits.penaltySeconds ?? defaultPenaltySeconds) * 1000,
    extendPenalty: limits.extendPenalty === true
  }
}

export interface Bucket {
  tokens: number
  at: number
}

/** Takes one token from the group's bucket at simulated `now`; false when it is empty. */
export const take = (buckets: Map<RateGroup, Bucket>, config: RateConfig, group: RateGroup, now: number): boolean => {
  const rate = config.rates[group]
  const cap = config.burst[group]
  let bucket = buckets.get(group)
  if (bucket === undefined) {
    bucket = { tokens: cap, at: now }
    buckets.set(group, bucket)
  } else {
    bucket.tokens = Math.min(cap, bucket.tokens + ((now - bucket.at) / 1000) * rate)
    bucket.at = now
  }
  if (bucket.tokens >= 1) {
    bucket.tokens -= 1
    return true
  }
  return false
}
