/**
 * The outcome of one tracking given to `createMany`: created now, already there (4016), a typed failure, or not
 * sent at all because the call's deadline came first. `createMany` returns exactly one outcome per input, in
 * input order.
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"
import type * as TrackingMoreError from "@trackingmore-effect/core/TrackingMoreError"
import type { CreateTracking } from "./Requests.js"
import type { Tracking } from "./Tracking.js"

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
  /**
   * The tracking could not be created; `error` says why. The request carrying it was sent (or the input was
   * refused before sending, e.g. `TrackingNumberRequired`), so whether to send it again depends on `error`.
   */
  Failed: { readonly input: CreateTracking; readonly error: TrackingMoreError.TrackingMoreError }
  /**
   * The tracking was never sent: the `deadline` given to `createMany` came while it still waited for its turn
   * under the key's rate limit (or a cooldown). The server has not seen it from this call, so it can simply be
   * sent again. `reason` says what it was waiting for and until when (`waitingFor`, `until`).
   *
   * @since 0.2.0
   */
  NotSent: { readonly input: CreateTracking; readonly reason: TrackingMoreError.DeadlineExceeded }
}>

/**
 * Constructors, guards (`$is`) and matchers (`$match`) of {@link CreateOutcome}. `$match` takes one case per
 * outcome, so code that matches every case fails to compile when an outcome is added.
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
 *   Failed: ({ error }) => `failed: ${error._tag}`,
 *   NotSent: ({ input }) => `not sent, can be retried: ${input.trackingNumber}`
 * })
 * ```
 */
export const CreateOutcome = Data.taggedEnum<CreateOutcome>()

/**
 * Whether an outcome is `Created`.
 *
 * @since 0.2.0
 * @category guards
 */
export const isCreated: (outcome: CreateOutcome) => outcome is Extract<CreateOutcome, { readonly _tag: "Created" }> =
  CreateOutcome.$is("Created")

/**
 * Whether an outcome is `Existed`.
 *
 * @since 0.2.0
 * @category guards
 */
export const isExisted: (outcome: CreateOutcome) => outcome is Extract<CreateOutcome, { readonly _tag: "Existed" }> =
  CreateOutcome.$is("Existed")

/**
 * Whether an outcome is `Failed`.
 *
 * @since 0.2.0
 * @category guards
 */
export const isFailed: (outcome: CreateOutcome) => outcome is Extract<CreateOutcome, { readonly _tag: "Failed" }> =
  CreateOutcome.$is("Failed")

/**
 * Whether an outcome is `NotSent`: its input can simply be given to `createMany` again.
 *
 * @since 0.2.0
 * @category guards
 * @example
 * ```ts
 * import { CreateOutcome } from "@trackingmore-effect/client"
 * declare const outcomes: ReadonlyArray<CreateOutcome.CreateOutcome>
 * // What to send again, e.g. in the next run.
 * const again = outcomes.filter(CreateOutcome.isNotSent).map((outcome) => outcome.input)
 * ```
 */
export const isNotSent: (outcome: CreateOutcome) => outcome is Extract<CreateOutcome, { readonly _tag: "NotSent" }> =
  CreateOutcome.$is("NotSent")

/**
 * Counts of each outcome.
 *
 * @since 0.1.0
 * @category getters
 */
export const summarize = (
  outcomes: ReadonlyArray<CreateOutcome>
): { readonly created: number; readonly existed: number; readonly failed: number; readonly notSent: number } => {
  const counts = { created: 0, existed: 0, failed: 0, notSent: 0 }
  for (const outcome of outcomes) {
    switch (outcome._tag) {
      case "Created":
        counts.created++
        break
      case "Existed":
        counts.existed++
        break
      case "Failed":
        counts.failed++
        break
      case "NotSent":
        counts.notSent++
        break
    }
  }
  return counts
}
