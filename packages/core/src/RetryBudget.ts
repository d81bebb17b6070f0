/**
 * A retry budget per API key, in the style of the AWS SDKs' standard retry mode: a token bucket that retries
 * drain and successes refill, so that during an outage the process stops multiplying its load by retrying.
 * 429 cooldowns and 4031 re-polls do not spend it.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"

/**
 * @since 0.1.0
 * @category models
 */
export interface BudgetConfig {
  /** Tokens a key starts with and never exceeds. */
  readonly capacity: number
  /** Tokens a retry costs. */
  readonly retryCost: number
  /** Tokens a retry after a timeout costs. */
  readonly timeoutCost: number
  /** Tokens a successful call gives back. */
  readonly successRefund: number
}

/**
 * 500 tokens, a retry costs 5 (10 after a timeout), a success refunds 1.
 *
 * @since 0.1.0
 * @category defaults
 */
export const defaults: BudgetConfig = { capacity: 500, retryCost: 5, timeoutCost: 10, successRefund: 1 }

/**
 * What a retry is retrying after.
 *
 * @since 0.1.0
 * @category models
 */
export type RetryKind = "retry" | "timeout"

/**
 * @since 0.1.0
 * @category models
 */
export interface Service {
  /** Take the cost of one retry; `false` (and nothing taken) when the budget cannot pay it. */
  readonly withdraw: (key: string, kind: RetryKind) => Effect.Effect<boolean>
  /** A call succeeded: give back the refund, never above capacity. */
  readonly deposit: (key: string) => Effect.Effect<void>
  /** Tokens left for the key. */
  readonly available: (key: string) => Effect.Effect<number>
}

/**
 * @since 0.1.0
 * @category tags
 */
export class RetryBudget extends Context.Tag("@trackingmore-effect/core/RetryBudget")<RetryBudget, Service>() {}

/**
 * The cost of a retry of that kind.
 *
 * @since 0.1.0
 * @category getters
 */
export const costOf = (config: BudgetConfig, kind: RetryKind): number =>
  kind === "timeout" ? config.timeoutCost : config.retryCost

/**
 * An in-memory budget for one process.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeMemory = (config: Partial<BudgetConfig> = {}): Effect.Effect<Service> =>
  Effect.sync(() => {
    const resolved: BudgetConfig = { ...defaults, ...config }
    const tokens = new Map<string, number>()
    const current = (key: string) => tokens.get(key) ?? resolved.capacity
    return RetryBudget.of({
      withdraw: (key, kind) =>
        Effect.sync(() => {
          const cost = costOf(resolved, kind)
          const left = current(key)
          if (left < cost) return false
          tokens.set(key, left - cost)
          return true
        }),
      deposit: (key) =>
        Effect.sync(() => {
          tokens.set(key, Math.min(resolved.capacity, current(key) + resolved.successRefund))
        }),
      available: (key) => Effect.sync(() => current(key))
    })
  })

/**
 * The in-memory budget with its numbers changed, as a layer.
 *
 * @since 0.2.0
 * @category layers
 */
export const layerMemoryWith = (config: Partial<BudgetConfig>): Layer.Layer<RetryBudget> =>
  Layer.effect(RetryBudget, makeMemory(config))

/**
 * The in-memory budget with the default numbers, as a layer (a value, like `Gate.layerMemory`).
 *
 * @since 0.1.0
 * @category layers
 */
export const layerMemory: Layer.Layer<RetryBudget> = layerMemoryWith({})
