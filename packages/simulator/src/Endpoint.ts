/**
 * The stable names of the TrackingMore v2 endpoints, as used by the simulator's log, counters, fault scripts and
 * rate-limit groups. They are core's endpoint table (`Endpoint` of `@trackingmore-effect/core`), seen by name:
 * the simulator keeps no list of its own.
 *
 * @since 0.1.0
 */
import * as CoreEndpoint from "@trackingmore-effect/core/Endpoint"

/**
 * Every endpoint name, in the order of the API's endpoint table.
 *
 * @since 0.1.0
 * @category constants
 */
export const endpoints: ReadonlyArray<Endpoint> = CoreEndpoint.names

/**
 * The name of one endpoint.
 *
 * @since 0.1.0
 * @category models
 */
export type Endpoint = CoreEndpoint.Name

/**
 * A rate-limit group: `realtime` and `list` have their own budgets, every other endpoint shares `default`.
 *
 * @since 0.1.0
 * @category models
 */
export type RateGroup = CoreEndpoint.RateGroup

/**
 * The rate-limit group of an endpoint.
 *
 * @since 0.1.0
 * @category rate limits
 */
export const rateGroup = (endpoint: Endpoint): RateGroup => CoreEndpoint.endpoints[endpoint].group

/**
 * Whether an endpoint changes the account's trackings (a read-only key receives 401 on these).
 *
 * @since 0.1.0
 * @category predicates
 */
export const isWrite = (endpoint: Endpoint): boolean => CoreEndpoint.endpoints[endpoint].write

/**
 * Whether a string is an endpoint name.
 *
 * @since 0.1.0
 * @category predicates
 */
export const isEndpoint: (u: unknown) => u is Endpoint = CoreEndpoint.isName
