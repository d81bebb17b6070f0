/**
 * Everything a TrackingMore client needs to behave as one polite client across processes, in one layer: core's
 * `Gate` and `RetryBudget` and `@effect/experimental`'s `RateLimiter`, all on one Redis connection.
 *
 * @since 0.1.0
 */
import type * as RateLimiter from "@effect/experimental/RateLimiter"
import type * as Gate from "@trackingmore-effect/core/Gate"
import type * as RetryBudget from "@trackingmore-effect/core/RetryBudget"
import * as Layer from "effect/Layer"
import type { RedisOptions } from "ioredis"
import type * as ConfigError from "effect/ConfigError"
import * as RedisConnection from "./RedisConnection.js"
import * as RedisGate from "./RedisGate.js"
import * as RedisRateLimiter from "./RedisRateLimiter.js"
import * as RedisRetryBudget from "./RedisRetryBudget.js"

/**
 * Tuning shared by `layer` and `layerConfig`; every field is optional.
 *
 * @since 0.1.0
 * @category models
 */
export interface Tuning {
  readonly gate?: RedisGate.Options | undefined
  readonly budget?: RedisRetryBudget.Options | undefined
}

/**
 * Where to connect (`{ url }` or `{ client }`), the key prefix (default `trackingmore:`) and tuning.
 *
 * @since 0.1.0
 * @category models
 */
export type Options = RedisConnection.ConnectionOptions & Tuning

/**
 * The services this package provides.
 *
 * @since 0.1.0
 * @category models
 */
export type Services = Gate.Gate | RetryBudget.RetryBudget | RateLimiter.RateLimiter

/**
 * The gate, retry budget and rate limiter over one connection.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerFromConnection = (
  tuning: Tuning = {}
): Layer.Layer<Services, never, RedisConnection.RedisConnection> =>
  Layer.mergeAll(
    RedisGate.layer(tuning.gate),
    RedisRetryBudget.layer(tuning.budget),
    RedisRateLimiter.layer
  )

/**
 * The gate, retry budget and rate limiter shared through Redis. The second argument, when given, is the key prefix.
 *
 * @since 0.1.0
 * @category layers
 * @example
 * ```ts
 * import { Layer } from "effect"
 * import { TrackingMoreClient } from "@trackingmore-effect/client"
 * import { RedisTrackingMore } from "@trackingmore-effect/redis"
 * declare const clientLayer: Layer.Layer<TrackingMoreClient.TrackingMoreClient>
 * const live = Layer.provide(clientLayer, RedisTrackingMore.layer({ url: "redis://127.0.0.1:6379" }))
 * ```
 */
export const layer = (options: Options, prefix?: string): Layer.Layer<Services> =>
  Layer.provide(
    layerFromConnection(options),
    RedisConnection.layer(prefix === undefined ? options : { ...options, prefix })
  )

/**
 * Like `layer`, with the URL from `REDIS_URL` (default `redis://127.0.0.1:6379`) and the prefix from
 * `REDIS_PREFIX` (default `trackingmore:`).
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = (
  tuning: Tuning & { readonly redisOptions?: RedisOptions | undefined } = {}
): Layer.Layer<Services, ConfigError.ConfigError> =>
  Layer.provide(layerFromConnection(tuning), RedisConnection.layerConfig({ redisOptions: tuning.redisOptions }))
