/**
 * The TrackingMore v2 API client on `@effect/platform`'s `HttpClient`, with typed errors and the retry policy
 * of `@trackingmore-effect/core` built in.
 *
 * @since 0.1.0
 */

/** @since 0.1.0 */
export * as CreateOutcome from "./CreateOutcome.js"
/** @since 0.2.0 */
export * as Requests from "./Requests.js"
/** @since 0.2.0 */
export * as Responses from "./Responses.js"
/** @since 0.1.0 */
export * as Tracking from "./Tracking.js"
/** @since 0.1.0 */
export * as TrackingMoreClient from "./TrackingMoreClient.js"
/** @since 0.3.0 */
export * as Webhook from "./Webhook.js"
