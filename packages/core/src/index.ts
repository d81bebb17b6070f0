/**
 * Every TrackingMore API status code as an Effect tagged error with its own retry policy.
 *
 * @since 0.1.0
 */

/** @since 0.2.0 */
export * as ApiKey from "./ApiKey.js"
/** @since 0.1.0 */
export * as Backoff from "./Backoff.js"
/** @since 0.2.0 */
export * as Endpoint from "./Endpoint.js"
/** @since 0.1.0 */
export * as Envelope from "./Envelope.js"
/** @since 0.1.0 */
export * as Gate from "./Gate.js"
/** @since 0.2.0 */
export * as Options from "./Options.js"
/** @since 0.1.0 */
export * as Policy from "./Policy.js"
/** @since 0.2.0 */
export * as RateLimit from "./RateLimit.js"
/** @since 0.1.0 */
export * as Retry from "./Retry.js"
/** @since 0.1.0 */
export * as RetryBudget from "./RetryBudget.js"
/** @since 0.1.0 */
export * as StatusCode from "./StatusCode.js"
/** @since 0.1.0 */
export * as TrackingMoreError from "./TrackingMoreError.js"
/** @since 0.2.0 */
export * as TrackingStatus from "./TrackingStatus.js"
