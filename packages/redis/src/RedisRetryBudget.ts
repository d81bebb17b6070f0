/**
 * Core's `RetryBudget` on Redis: one token bucket per API key for the whole fleet, so that during an outage the
 * processes together, not each of them, stop multiplying the load by retrying. Withdraw and deposit are Lua
 * scripts (atomic, never above capacity); a key at full capacity is deleted, any other expires after `ttl`
 * (default one day) without activity. When Redis does not answer the process uses an in-memory budget.
 *
 * @since 0.1.0
 */
import * as RetryBudget from "@trackingmore-effect/core/RetryBudget"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as keys from "./internal/keys.js"
import * as scripts from "./internal/scripts.js"
import * as RedisConnection from "./RedisConnection.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface Options extends Partial<RetryBudget.BudgetConfig> {
  /** How long a budget below capacity is kept without activity (default 1 day). */
  readonly ttl?: Duration.DurationInput | undefined
}

const scriptWithdraw = RedisConnection.script(scripts.budgetWithdraw)
const scriptDeposit = RedisConnection.script(scripts.budgetDeposit)

/**
 * A shared retry budget over the connection.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  options: Options = {}
): Effect.Effect<RetryBudget.Service, never, RedisConnection.RedisConnection> =>
  Effect.gen(function*() {
    const redis = yield* RedisConnection.RedisConnection
    const { ttl, ...partial } = options
    const config: RetryBudget.BudgetConfig = { ...RetryBudget.defaults, ...partial }
    const local = yield* RetryBudget.makeMemory(config)
    const ttlMillis = Math.max(1, Math.round(Duration.toMillis(ttl ?? Duration.days(1))))
    const key = (k: string) => keys.budget(redis.prefix, k)
    return RetryBudget.RetryBudget.of({
      withdraw: (k, kind) =>
        redis.eval(scriptWithdraw, [key(k)], [config.capacity, RetryBudget.costOf(config, kind), ttlMillis]).pipe(
          Effect.map((taken) => Number(taken) === 1),
          Effect.orElse(() => local.withdraw(k, kind))
        ),
      deposit: (k) =>
        redis.eval(scriptDeposit, [key(k)], [config.capacity, config.successRefund, ttlMillis]).pipe(
          Effect.asVoid,
          Effect.orElse(() => local.deposit(k))
        ),
      available: (k) =>
        redis.use((client) => client.get(key(k))).pipe(
          Effect.map((left) => left === null ? config.capacity : Number(left)),
          Effect.orElse(() => local.available(k))
        )
    })
  })

/**
 * The shared retry budget as a layer, over a `RedisConnection`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  options: Options = {}
): Layer.Layer<RetryBudget.RetryBudget, never, RedisConnection.RedisConnection> =>
  Layer.effect(RetryBudget.RetryBudget, make(options))
