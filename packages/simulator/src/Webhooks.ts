/**
 * The simulator's webhook pushes, as TrackingMore v2 sends them: on every status change of a tracking, a signed
 * `POST { meta, data: <tracking>, verifyInfo: { timeStr, signature } }` to each configured URL, re-delivered on
 * failure up to 14 times after 2^n × 30 simulated seconds, with injectable faults (duplicate, out-of-order and
 * bad-signature deliveries).
 *
 * @since 0.3.0
 */

/**
 * Faults of the pushes, each a probability from 0 to 1 drawn per delivery from a generator seeded with the
 * simulator's `seed`.
 *
 * - `duplicate`: once the delivery is accepted (2xx), the very same body (same `timeStr` and `signature`) is sent
 *   again, as a delivery of its own marked `duplicate`.
 * - `outOfOrder`: the delivery is held back until the next delivery of the same tracking to the same URL has
 *   been attempted, so the older update arrives after the newer one (final statuses are never held back).
 * - `badSignature`: the first attempt carries a signature made with another key; re-deliveries are signed
 *   correctly (a receiver that verifies answers 401 and gets the update on the next attempt).
 *
 * @since 0.3.0
 * @category models
 */
export interface Faults {
  readonly duplicate?: number
  readonly outOfOrder?: number
  readonly badSignature?: number
}

/**
 * A push fault, as a delivery records it.
 *
 * @since 0.3.0
 * @category models
 */
export type FaultKind = "duplicate" | "outOfOrder" | "badSignature"

/**
 * Webhook options of a simulator (`Simulator.Options.webhooks`, `handle.setWebhooks`).
 *
 * @since 0.3.0
 * @category models
 */
export interface Options {
  /** where to POST (at most 4, as TrackingMore allows); `http:` on a loopback host unless `allowRemote` */
  readonly urls: ReadonlyArray<string>
  /** the account's email: the HMAC-SHA256 key of the signature (never shown by the control surface or the log) */
  readonly email: string
  readonly faults?: Faults
  /** real ms an attempt may take before it counts as failed (default 5000) */
  readonly timeoutMs?: number
  /** re-deliveries after the first attempt (default 14, as documented) */
  readonly maxRetries?: number
  /** attempts in flight at once, over all URLs (default 16) */
  readonly concurrency?: number
  /** allow URLs that are not on a loopback host (default false: the simulator is a test tool) */
  readonly allowRemote?: boolean
}

/**
 * One attempt of a delivery.
 *
 * @since 0.3.0
 * @category models
 */
export interface Attempt {
  /** simulated epoch ms when it was sent */
  readonly at: number
  /** simulated epoch ms when its answer (or the lack of one) was seen: a re-delivery is due `retryDelayMs` after it */
  readonly answeredAt: number
  /** real ms it took */
  readonly ms: number
  /** the HTTP status answered; 0 when there was none */
  readonly status: number
  /** why there was no answer */
  readonly error?: "timeout" | "connection"
  /** the attempt carried a bad signature (the `badSignature` fault) */
  readonly badSignature?: boolean
}

/**
 * One update pushed to one URL, with its attempts.
 *
 * - `pending`: not yet accepted (waiting for its first attempt, a retry, or the next delivery when held back);
 * - `delivered`: an attempt was answered 2xx;
 * - `failed`: every attempt failed (1 + `maxRetries`), it is not sent again.
 *
 * @since 0.3.0
 * @category models
 */
export interface Delivery {
  readonly id: number
  readonly url: string
  readonly trackingId: string
  readonly trackingNumber: string
  readonly carrierCode: string
  /** the status the pushed tracking carries */
  readonly status: string
  /** simulated epoch ms of the status change */
  readonly changedAt: number
  readonly state: "pending" | "delivered" | "failed"
  readonly attempts: ReadonlyArray<Attempt>
  /** simulated epoch ms of the next attempt, while pending and not held back */
  readonly nextAttemptAt: number | undefined
  /** the faults drawn for it (`duplicate`: it is repeated once accepted) */
  readonly faults: ReadonlyArray<FaultKind>
  /** set on the repeat a `duplicate` fault sends: the id of the delivery it repeats (same body, byte for byte) */
  readonly duplicateOf?: number
}

/**
 * Delivery counts.
 *
 * @since 0.3.0
 * @category models
 */
export interface Counts {
  readonly deliveries: number
  readonly pending: number
  readonly delivered: number
  readonly failed: number
  readonly attempts: number
}

/**
 * The delay before re-delivery `retry` (1 for the first re-delivery): 2^(retry − 1) × 30 simulated seconds, in
 * simulated ms (30 s, 60 s, 120 s, …).
 *
 * @since 0.3.0
 * @category constants
 */
export const retryDelayMs = (retry: number): number => 30_000 * 2 ** (retry - 1)
