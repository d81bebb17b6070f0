/**
 * How a `policy timeline` run ended, and why a failed call ends where it does: halted, out of retries (naming the
 * limit of the config), never retried for its tag, out of retry budget, or stopped by the deadline.
 */
import * as Policy from "@trackingmore-effect/core/Policy"
import * as RetryBudget from "@trackingmore-effect/core/RetryBudget"
import type * as TrackingMoreError from "@trackingmore-effect/core/TrackingMoreError"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as Random from "effect/Random"
import * as Decisions from "../Decisions.js"
import type { Result, Step, WaitReason } from "../Timeline.js"
import type { WaitEvent } from "./waitTracer.js"

/** How the call ended: succeeded, failed (and why), or went on past the script's last answer. */
export const resultOf = (
  exit: Exit.Exit<number, TrackingMoreError.TrackingMoreError>,
  run: {
    readonly attempts: ReadonlyArray<Extract<Step, { _tag: "Attempt" }>>
    readonly waits: ReadonlyArray<WaitEvent>
    readonly lastAt: number
    readonly options: { readonly policy: Policy.PolicyConfig; readonly idempotent: boolean }
    readonly budget: RetryBudget.Service
    /** The gate key the call ran on, whose retry budget it spent. */
    readonly key: string
  }
): Effect.Effect<Result> =>
  Effect.gen(function*() {
    const attempts = run.attempts.length
    if (Exit.isSuccess(exit)) return { _tag: "Succeeded", at: run.lastAt, attempts }
    const failure = exit.cause._tag === "Fail" ? Option.some(exit.cause.error) : Option.none()
    if (Option.isNone(failure)) return { _tag: "ScriptEnded", at: run.lastAt, attempts }
    const error = failure.value
    const why = yield* whyFailed(error, run)
    return { _tag: "Failed", at: run.lastAt, attempts, tag: error._tag, code: error.code, why }
  })

/** In words, why the policy ends a failed call where it does, read back from the policy itself. */
const whyFailed = (
  error: TrackingMoreError.TrackingMoreError,
  run: {
    readonly waits: ReadonlyArray<WaitEvent>
    readonly attempts: ReadonlyArray<unknown>
    readonly lastAt: number
    readonly options: { readonly policy: Policy.PolicyConfig; readonly idempotent: boolean }
    readonly budget: RetryBudget.Service
    readonly key: string
  }
): Effect.Effect<string> =>
  Effect.gen(function*() {
    const { idempotent, policy } = run.options
    const count = (reason: WaitReason) => run.waits.filter((w) => w.reason === reason).length
    const state: Policy.AttemptState = {
      ...Policy.initialState(idempotent),
      attempt: run.attempts.length,
      retries: count("backoff"),
      cooldowns: count("cooldown"),
      repolls: count("repoll")
    }
    const decide = (s: Policy.AttemptState) =>
      Policy.decide(error, s, policy).pipe(Effect.withRandom(Random.fixed([0])))
    const decision = yield* decide(state)
    const fresh = yield* decide({ ...Policy.initialState(idempotent), attempt: 1 })
    switch (decision._tag) {
      case "Halt":
        return `the policy halts the key ${decision.duration === undefined ? "until it is reset" : `for ${Decisions.formatDuration(decision.duration)}`} and fails the call`
      case "Fail": {
        switch (fresh._tag) {
          case "Retry": {
            const section = Decisions.sectionOf(fresh.reason)
            return `the policy gives up: ${state.retries} retries taken, ${section}.maxRetries is ${policy[section].maxRetries}`
          }
          case "Cooldown":
            return `the policy gives up: ${state.cooldowns} cooldowns taken, tooManyRequests.maxCooldowns is ${policy.tooManyRequests.maxCooldowns}`
          case "Repoll":
            return `the policy gives up: ${state.repolls} re-polls taken, notRegistered.maxRepolls is ${policy.notRegistered.maxRepolls}`
          default: {
            const other = yield* decide({ ...Policy.initialState(!idempotent), attempt: 1 })
            return !idempotent && other._tag === "Retry"
              ? `the policy does not retry ${error._tag} for a call that is not safe to repeat`
              : `the policy does not retry ${error._tag}`
          }
        }
      }
      default: {
        if (decision._tag === "Retry") {
          const left = yield* run.budget.available(run.key)
          if (left < RetryBudget.defaults.retryCost) return "the retry budget is empty"
        }
        return `the next wait would end after the call's deadline (${Decisions.formatDuration(policy.deadline)})`
      }
    }
  })
