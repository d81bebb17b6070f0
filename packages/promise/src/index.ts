/**
 * The TrackingMore v2 client for async/await code: `createClient({ apiKey })`, Promise methods with
 * `AbortSignal`, error classes with a brand guard, and the retry policy of `@trackingmore-effect/core` inside.
 *
 * @since 0.1.0
 */

/** @since 0.1.0 */
export * from "./Client.js"
/** @since 0.1.0 */
export * from "./TrackingMoreError.js"
/** @since 0.3.0 */
export * from "./Webhook.js"
/**
 * The request and response types (`Tracking`, `CreateTracking`, `ListQuery`, …) as plain interfaces, the shapes
 * of the schemas of `@trackingmore-effect/client`.
 *
 * @since 0.1.0
 */
export type * as Tracking from "./Tracking.js"
