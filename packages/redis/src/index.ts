/**
 * The cooldown gate, rate limiter and retry budget of `@trackingmore-effect` shared on Redis by every process that
 * uses one TrackingMore API key.
 *
 * @since 0.1.0
 */

/** @since 0.1.0 */
export * as RedisConnection from "./RedisConnection.js"
/** @since 0.1.0 */
export * as RedisGate from "./RedisGate.js"
/** @since 0.1.0 */
export * as RedisRateLimiter from "./RedisRateLimiter.js"
/** @since 0.1.0 */
export * as RedisRetryBudget from "./RedisRetryBudget.js"
/** @since 0.1.0 */
export * as RedisTrackingMore from "./RedisTrackingMore.js"
