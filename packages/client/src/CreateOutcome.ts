/**
 * The outcome of one tracking given to `createMany`: created now, already there (4016), or a typed failure.
 * `createMany` returns exactly one outcome per input, in input order.
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"
import type * as TrackingMoreError from "@trackingmore-effect/core/TrackingMoreError"
import type { CreateTracking, Tracking } from "./Tracking.js"

/**
 * @since 0.1.0
 * @category models
 */
export type CreateOutcome = Data.TaggedEnum<{
  /** The tracking was created by this call. */
  Created: { readonly input: CreateTracking; readonly tracking: Tracking }
  /**
   * The tracking already existed (4016), or a retry after a lost answer found it created. `tracking` is set when
   * the client had it at hand (it does not spend a request to fetch it).
   */
  Existed: { readonly input: CreateTracking; readonly tracking?: Tracking | undefined }
  /** The tracking could not be created; `error` says why. */
  Failed: { readonly input: CreateTracking; readonly error: TrackingMoreError.TrackingMoreError }
}>

/**
 * Constructors, guards (`$is`) and matchers (`$match`) of {@link CreateOutcome}.
 *
 * @since 0.1.0
 * @category constructors
 * @example
 * ```ts
 * import { CreateOutcome } from "@trackingmore-effect/client"
 * declare const outcome: CreateOutcome.CreateOutcome
 * const line = CreateOutcome.CreateOutcome.$match(outcome, {
 *   Created: ({ tracking }) => `created ${tracking.trackingNumber}`,
 *   Existed: ({ input }) => `already there ${input.trackingNumber}`,
 *   Failed: ({ error }) => `failed: ${error._tag}`
 * })
 * ```
 */
export const CreateOutcome = Data.taggedEnum<CreateOutcome>()

/**
 * Counts of each outcome.
 *
 * @since 0.1.0
 * @category getters
 */
export const summarize = (
  outcomes: ReadonlyArray<CreateOutcome>
): { readonly created: number; readonly existed: number; readonly failed: number } => {
  let created = 0
  let existed = 0
  let failed = 0
  for (const outcome of outcomes) {
    if (outcome._tag === "Created") created++
    else if (outcome._tag === "Existed") existed++
    else failed++
  }
  return { created, existed, failed }
}
