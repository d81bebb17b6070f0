/**
 * The request and response types of the TrackingMore v2 API as plain TypeScript interfaces: camelCase fields
 * (`trackingNumber`, `carrierCode`), optional fields left out when the server sent nothing. They describe the
 * same values as the schemas of `@trackingmore-effect/client` (a test of this package keeps the two assignable
 * to each other), without naming any Effect type, so that a project that does not use Effect — or uses another
 * version of it — type-checks against them alone.
 *
 * @since 0.2.0
 */

/**
 * The delivery statuses TrackingMore documents.
 *
 * @since 0.2.0
 * @category models
 */
export type Status =
  | "pending"
  | "notfound"
  | "transit"
  | "pickup"
  | "delivered"
  | "undelivered"
  | "exception"
  | "expired"

/**
 * One checkpoint of a shipment (`trackinfo[]` on the wire).
 *
 * @since 0.2.0
 * @category models
 */
export interface TrackingEvent {
  readonly date?: string
  readonly statusDescription?: string
  readonly details?: string
  readonly checkpointStatus?: string
}

/**
 * The carrier side of a tracking (`origin_info` / `destination_info` on the wire).
 *
 * @since 0.2.0
 * @category models
 */
export interface CarrierInfo {
  readonly weblink?: string
  readonly phone?: string
  readonly carrierCode?: string
  readonly trackinfo?: ReadonlyArray<TrackingEvent>
}

/**
 * A tracking as TrackingMore returns it. `status` is a string so that an undocumented status comes through;
 * compare it with {@link Status} values.
 *
 * @since 0.2.0
 * @category models
 */
export interface Tracking {
  readonly id?: string
  readonly trackingNumber: string
  readonly carrierCode: string
  readonly status?: string
  readonly substatus?: string
  readonly createdAt?: string
  readonly updatedAt?: string
  readonly title?: string
  readonly orderId?: string
  readonly customerName?: string
  readonly customerEmail?: string
  readonly customerPhone?: string
  readonly logisticsChannel?: string
  readonly comment?: string
  readonly archived?: boolean
  readonly originalCountry?: string
  readonly destinationCountry?: string
  readonly lastEvent?: string
  readonly lastUpdateTime?: string
  readonly originInfo?: CarrierInfo
  readonly destinationInfo?: CarrierInfo
}

/**
 * The fields of a new tracking (`create`, one item of `createMany`).
 *
 * @since 0.2.0
 * @category models
 */
export interface CreateTracking {
  readonly trackingNumber: string
  readonly carrierCode: string
  readonly destinationCode?: string
  readonly title?: string
  readonly logisticsChannel?: string
  readonly customerName?: string
  readonly customerEmail?: string
  readonly customerPhone?: string
  readonly orderId?: string
  readonly orderCreateTime?: string
  /** `YYYYMMDD` */
  readonly trackingShipDate?: string
  readonly trackingPostalCode?: string
  readonly trackingAccountNumber?: string
  readonly lang?: string
  readonly comment?: string
}

/**
 * The changeable fields of a tracking (`update`). `status` may only be 4, 7 or 8 (the API answers 4033
 * otherwise).
 *
 * @since 0.2.0
 * @category models
 */
export interface UpdateTracking {
  readonly title?: string
  readonly logisticsChannel?: string
  readonly customerName?: string
  readonly customerEmail?: string
  readonly customerPhone?: string
  readonly orderId?: string
  readonly destinationCode?: string
  readonly archived?: boolean
  readonly status?: number | string
}

/**
 * A tracking's identity: number and carrier (`deleteMany` items).
 *
 * @since 0.2.0
 * @category models
 */
export interface TrackingRef {
  readonly trackingNumber: string
  readonly carrierCode: string
}

/**
 * One item of `updateMany`: which tracking, and its changes.
 *
 * @since 0.2.0
 * @category models
 */
export interface UpdateManyItem extends UpdateTracking, TrackingRef {}

/**
 * The input of `realtime`: a tracking's identity plus the optional create fields.
 *
 * @since 0.2.0
 * @category models
 */
export interface RealtimeRequest extends CreateTracking {}

/**
 * Filters of `list` and `statusCounts`. Times are unix seconds; `numbers` holds at most 40 tracking numbers.
 *
 * @since 0.2.0
 * @category models
 */
export interface ListQuery {
  readonly page?: number
  /** default 100, max 2000 */
  readonly limit?: number
  readonly status?: Status
  readonly createdAtMin?: number
  readonly createdAtMax?: number
  readonly updateTimeMin?: number
  readonly updateTimeMax?: number
  readonly numbers?: ReadonlyArray<string>
  readonly orders?: ReadonlyArray<string>
  readonly archived?: boolean
  readonly lang?: string
}

/**
 * One page of `list`.
 *
 * @since 0.2.0
 * @category models
 */
export interface TrackingPage {
  readonly page?: number
  readonly limit?: number
  readonly total?: number
  readonly items: ReadonlyArray<Tracking>
}

/**
 * A per-item error inside a bulk answer, e.g. code 4016 for a tracking that already exists.
 *
 * @since 0.2.0
 * @category models
 */
export interface BatchItemError {
  readonly trackingNumber?: string
  readonly carrierCode?: string
  readonly code: number
  readonly message?: string
}

/**
 * The answer of `updateMany` (merged over its batches).
 *
 * @since 0.2.0
 * @category models
 */
export interface UpdateManyResult {
  readonly submitted?: number
  readonly updated?: number
  readonly trackings: ReadonlyArray<Tracking>
  readonly errors: ReadonlyArray<BatchItemError>
}

/**
 * The answer of `deleteMany` (merged over its batches).
 *
 * @since 0.2.0
 * @category models
 */
export interface DeleteManyResult {
  readonly submitted?: number
  readonly deleted?: number
  readonly trackings: ReadonlyArray<TrackingRef>
  readonly errors: ReadonlyArray<BatchItemError>
}

/**
 * Account information (`userInfo`).
 *
 * @since 0.2.0
 * @category models
 */
export interface UserInfo {
  readonly userId?: string | number
  readonly email?: string
  readonly phone?: string
  readonly regtime?: string
  readonly balance?: number
}

/**
 * Tracking counts per status (`statusCounts`): every status the server sends, by name.
 *
 * @since 0.2.0
 * @category models
 */
export interface StatusCounts {
  readonly [status: string]: number
}

/**
 * A carrier (`carriers`, `detect`).
 *
 * @since 0.2.0
 * @category models
 */
export interface Carrier {
  readonly code: string
  readonly name?: string
  readonly countryCode?: string
  readonly type?: string
  readonly homepage?: string
  readonly phone?: string
}
