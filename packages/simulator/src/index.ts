/**
 * @since 0.1.0
 */
export * as Carrier from "./Carrier.js"

/**
 * @since 0.1.0
 */
export * as Endpoint from "./Endpoint.js"

/**
 * @since 0.1.0
 */
export * as Fault from "./Fault.js"

/**
 * @since 0.1.0
 */
export * as Simulator from "./Simulator.js"

/**
 * @since 0.3.0
 */
export * as Webhooks from "./Webhooks.js"
