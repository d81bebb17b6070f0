/**
 * The steps of a `policy timeline` run in words: each attempt, each wait with what the policy decided (a backoff
 * with the window its delay was drawn from), each halt of the key, in the order they happened.
 */
import * as Policy from "@trackingmore-effect/core/Policy"
import * as StatusCode from "@trackingmore-effect/core/StatusCode"
import * as TrackingMoreError from "@trackingmore-effect/core/TrackingMoreError"
import * as Decisions from "../Decisions.js"
import type { Step } from "../Timeline.js"
import type { WaitEvent } from "./waitTracer.js"

/** A halt of the key, as the gate was asked for it. */
export interface HaltEvent {
  readonly at: number
  readonly duration: number | undefined
}

/** Every step, in time order (an attempt before a wait that starts at the same time). */
export const describe = (
  attempts: ReadonlyArray<Extract<Step, { _tag: "Attempt" }>>,
  waits: ReadonlyArray<WaitEvent>,
  halts: ReadonlyArray<HaltEvent>,
  options: { readonly policy: Policy.PolicyConfig; readonly idempotent: boolean }
): ReadonlyArray<Step> => {
  const steps: Array<Step> = [...attempts]
  let backoffs = 0
  let coveredUntil = -1
  for (const wait of waits) {
    switch (wait.reason) {
      case "backoff": {
        const error = errorOfTag(wait.tag)
        const window = error === undefined
          ? undefined
          : Decisions.sequence(error, { idempotent: options.idempotent, config: options.policy }).continues[backoffs]
        const bound = window === undefined ? undefined : Policy.delayOf(window)
        backoffs++
        steps.push({
          _tag: "Wait",
          reason: "backoff",
          from: wait.at,
          to: wait.at + wait.ms,
          decision: `Retry: back off ${Decisions.formatDuration(wait.ms)}` +
            (bound === undefined ? "" : ` (full jitter in [0, ${Decisions.formatDuration(bound)}])`)
        })
        break
      }
      case "cooldown":
        coveredUntil = wait.at + wait.ms
        steps.push({
          _tag: "Wait",
          reason: "cooldown",
          from: wait.at,
          to: wait.at + wait.ms,
          decision: `Cooldown: the whole key cools for ${Decisions.formatDuration(wait.ms)}, then this call probes`
        })
        break
      case "repoll":
        steps.push({
          _tag: "Wait",
          reason: "repoll",
          from: wait.at,
          to: wait.at + wait.ms,
          decision: `Repoll: ask again in ${Decisions.formatDuration(wait.ms)}`
        })
        break
      case "gate": {
        // The wait at the gate after its own cooldown is that cooldown, already shown.
        const from = wait.at - wait.ms
        if (wait.at <= coveredUntil + 1) break
        steps.push({
          _tag: "Wait",
          reason: "gate",
          from,
          to: wait.at,
          decision: `Gate: waited ${Decisions.formatDuration(wait.ms)} to pass the key's gate`
        })
        break
      }
    }
  }
  for (const halt of halts) {
    steps.push({
      _tag: "Halt",
      at: halt.at,
      duration: halt.duration,
      decision: `Halt: the key is halted ${halt.duration === undefined ? "until it is reset" : `for ${Decisions.formatDuration(halt.duration)}`}; ` +
        "every call on it fails at once"
    })
  }
  const time = (step: Step) => step._tag === "Wait" ? step.from : step.at
  const order = (step: Step) => step._tag === "Attempt" ? 0 : 1
  return steps.sort((a, b) => time(a) - time(b) || order(a) - order(b))
}

/** An error of the tag, for asking the policy which window a backoff was drawn from. */
const errorOfTag = (tag: string | undefined): TrackingMoreError.TrackingMoreError | undefined => {
  if (tag === undefined) return undefined
  const entry = StatusCode.all.find((e) => e.tag === tag)
  if (entry !== undefined) return TrackingMoreError.fromCode(entry.code)
  if (tag === "TransportError") return TrackingMoreError.transport("reset", undefined)
  if (tag === "MalformedResponse") return TrackingMoreError.malformed(502, "html", "")
  return undefined
}
