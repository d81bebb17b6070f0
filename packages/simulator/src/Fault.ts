/**
 * Faults the simulator can inject in front of its API: scripted per endpoint, or random by rate with a seed.
 *
 * @since 0.1.0
 */
import type { Endpoint } from "./Endpoint.js"

/**
 * The kinds of fault.
 *
 * - `"500"`, `"503"`, `"429"`: an envelope with that code, the request is not processed (a random or scripted
 *   `"429"` does **not** start the 120 s penalty; use `"429-penalty"` in a script for that).
 * - `"reset"`: the socket is destroyed before the request is processed.
 * - `"timeout"`: the request is never answered (nor processed); released when the server closes.
 * - `"slow"`: the request is processed normally and answered after `slowMs`.
 * - `"truncated"`: the request **is processed**, then the first half of its JSON response is sent.
 * - `"html502"`: HTTP 502 with an HTML body, not processed.
 * - `"empty"`: HTTP 200 with an empty body, not processed.
 *
 * @since 0.1.0
 * @category models
 */
export type FaultKind = "500" | "503" | "429" | "reset" | "timeout" | "slow" | "truncated" | "html502" | "empty"

/**
 * Every fault kind.
 *
 * @since 0.1.0
 * @category constants
 */
export const kinds: ReadonlyArray<FaultKind> = [
  "500",
  "503",
  "429",
  "reset",
  "timeout",
  "slow",
  "truncated",
  "html502",
  "empty"
]

/**
 * One step of a fault script: a fault kind, `"429-penalty"` (a 429 that also starts the key's 120 s penalty),
 * any catalogue code as a string (e.g. `"403"`, `"4031"`: an envelope with that code, not processed), or
 * `"none"` (answer normally).
 *
 * @since 0.1.0
 * @category models
 */
export type ScriptedFault = FaultKind | "429-penalty" | "none" | `${number}`

/**
 * Random faults: each routed request draws once from a seeded generator. Either `rate` spread evenly over
 * `kinds` (default: all kinds), or `rates` per kind (they add up), or both.
 *
 * @since 0.1.0
 * @category models
 */
export interface RandomFaults {
  readonly rate?: number
  readonly kinds?: ReadonlyArray<FaultKind>
  readonly rates?: Partial<Record<FaultKind, number>>
  /** restrict random faults to these endpoints (default: every endpoint) */
  readonly endpoints?: ReadonlyArray<Endpoint>
}

/**
 * The fault configuration of a simulator.
 *
 * @since 0.1.0
 * @category models
 */
export interface FaultOptions {
  /** per endpoint, the faults of its next requests in order; once used up, requests are answered normally */
  readonly scripted?: Partial<Record<Endpoint, ReadonlyArray<ScriptedFault>>>
  readonly random?: RandomFaults
  /** real milliseconds a `"slow"` answer is delayed (default 2000) */
  readonly slowMs?: number
}

/**
 * Whether a string is a fault kind.
 *
 * @since 0.1.0
 * @category predicates
 */
export const isFaultKind = (u: unknown): u is FaultKind =>
  typeof u === "string" && (kinds as ReadonlyArray<string>).includes(u)

/**
 * Parses a command-line fault spec such as `reset:0.05,503:0.05` into per-kind rates.
 *
 * @since 0.1.0
 * @category parsing
 */
export const parseSpec = (spec: string): RandomFaults => {
  const rates: Partial<Record<FaultKind, number>> = {}
  for (const part of spec.split(",").map((s) => s.trim()).filter((s) => s.length > 0)) {
    const [kind, rate] = part.split(":")
    const value = Number(rate)
    if (!isFaultKind(kind) || !Number.isFinite(value) || value < 0 || value > 1) {
      throw new Error(`invalid fault spec "${part}" (expected kind:rate, kind one of ${kinds.join(", ")})`)
    }
    rates[kind] = (rates[kind] ?? 0) + value
  }
  return { rates }
}
