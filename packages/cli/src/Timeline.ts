/**
 * `policy timeline`: core's real `Retry.run` on a virtual clock (`TestClock`) against scripted answers. What it
 * did is read from what it exposes to everyone: the attempts it makes (the scripted attempt notes the clock),
 * the `trackingmore.wait` span events it adds for every wait, with their reason and length, and the gate's
 * `cooldown` and `halt` that it calls. Nothing of the policy is restated here.
 *
 * @since 0.1.0
 */
import * as Gate from "@trackingmore-effect/core/Gate"
import type * as Policy from "@trackingmore-effect/core/Policy"
import * as Retry from "@trackingmore-effect/core/Retry"
import * as RetryBudget from "@trackingmore-effect/core/RetryBudget"
import * as StatusCode from "@trackingmore-effect/core/StatusCode"
import * as TrackingMoreError from "@trackingmore-effect/core/TrackingMoreError"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Random from "effect/Random"
import * as TestClock from "effect/TestClock"
import * as TestContext from "effect/TestContext"
import { resultOf } from "./internal/timelineResult.js"
import { describe, type HaltEvent } from "./internal/timelineSteps.js"
import { recordingTracer, type WaitEvent } from "./internal/waitTracer.js"

/**
 * One scripted answer: a success code, or the error the client would make of an answer.
 *
 * @since 0.1.0
 * @category models
 */
export interface Outcome {
  /** As given on the command line. */
  readonly input: string
  /** The status code, or the kind of fault (`reset`, `html`…). */
  readonly label: string
  readonly error: TrackingMoreError.TrackingMoreError | undefined
}

const faults: Record<string, () => TrackingMoreError.TrackingMoreError> = {
  reset: () => TrackingMoreError.transport("reset", undefined),
  refused: () => TrackingMoreError.transport("refused", undefined),
  timeout: () => TrackingMoreError.transport("timeout", undefined),
  html: () => TrackingMoreError.malformed(502, "html", "<html>Bad gateway</html>"),
  html502: () => TrackingMoreError.malformed(502, "html", "<html>Bad gateway</html>"),
  empty: () => TrackingMoreError.malformed(200, "empty", ""),
  truncated: () => TrackingMoreError.malformed(200, "invalid-json", "{\"meta\":{\"code\":20")
}

/**
 * The words `policy timeline` takes for faults without a status code.
 *
 * @since 0.1.0
 * @category parsing
 */
export const faultWords: ReadonlyArray<string> = Object.keys(faults)

/**
 * Reads one scripted answer: a status code (`503`, `200`), an error tag (`ServiceUnavailable`, any case) or a
 * fault (`reset`, `refused`, `timeout`, `html`, `empty`, `truncated`). A number TrackingMore does not document
 * becomes `UnknownStatus`, as the client would make it.
 *
 * @since 0.1.0
 * @category parsing
 */
export const parseOutcome = (input: string): Either.Either<Outcome, string> => {
  const text = input.trim()
  if (/^\d{1,9}$/.test(text)) {
    const code = Number(text)
    return Either.right({ input, label: String(code), error: StatusCode.isSuccess(code) ? undefined : TrackingMoreError.fromCode(code) })
  }
  const fault = faults[text.toLowerCase()]
  if (fault !== undefined) return Either.right({ input, label: text.toLowerCase(), error: fault() })
  const entry = StatusCode.all.find((e) => e.tag.toLowerCase() === text.toLowerCase())
  if (entry !== undefined) {
    return Either.right({
      input,
      label: String(entry.code),
      error: StatusCode.isSuccess(entry.code) ? undefined : TrackingMoreError.fromCode(entry.code)
    })
  }
  return Either.left(
    `"${input}" is not an answer: give a status code (503, 200), an error tag (ServiceUnavailable) or a fault ` +
      `(${faultWords.filter((w) => w !== "html502").join(", ")})`
  )
}

/**
 * Why a call waited, as `Retry` reports it.
 *
 * @since 0.1.0
 * @category models
 */
export type WaitReason = Retry.WaitReason

/**
 * One thing that happened, at a time in milliseconds since the start.
 *
 * @since 0.1.0
 * @category models
 */
export type Step =
  | {
    readonly _tag: "Attempt"
    readonly n: number
    readonly at: number
    readonly outcome: string
    readonly tag: string
    readonly ok: boolean
  }
  | {
    readonly _tag: "Wait"
    readonly reason: WaitReason
    readonly from: number
    readonly to: number
    /** What the policy decided, in words (`Retry`, with the window the delay was drawn from). */
    readonly decision: string
  }
  | { readonly _tag: "Halt"; readonly at: number; readonly duration: number | undefined; readonly decision: string }

/**
 * How the call ended.
 *
 * @since 0.1.0
 * @category models
 */
export type Result =
  | { readonly _tag: "Succeeded"; readonly at: number; readonly attempts: number }
  | {
    readonly _tag: "Failed"
    readonly at: number
    readonly attempts: number
    readonly tag: string
    readonly code: number
    /** Why the call ends here, in words. */
    readonly why: string
  }
  | { readonly _tag: "ScriptEnded"; readonly at: number; readonly attempts: number }

/**
 * A whole run.
 *
 * @since 0.1.0
 * @category models
 */
export interface Timeline {
  readonly outcomes: ReadonlyArray<string>
  readonly seed: number
  readonly idempotent: boolean
  readonly steps: ReadonlyArray<Step>
  readonly result: Result
}

/** The call went on after the script's last answer. */
class ScriptEnded {
  readonly _tag = "ScriptEnded"
}

const key = "policy-timeline"

/**
 * Runs the script through `Retry.run` on a virtual clock and tells what happened.
 *
 * @since 0.1.0
 * @category running
 */
export const run = (
  outcomes: ReadonlyArray<Outcome>,
  options: { readonly policy: Policy.PolicyConfig; readonly seed: number; readonly idempotent: boolean }
): Effect.Effect<Timeline> =>
  Effect.gen(function*() {
    const attempts: Array<Extract<Step, { _tag: "Attempt" }>> = []
    const waits: Array<WaitEvent> = []
    const halts: Array<HaltEvent> = []
    let next = 0

    const attempt: Effect.Effect<number, TrackingMoreError.TrackingMoreError> = Effect.flatMap(
      Clock.currentTimeMillis,
      (at) => {
        const outcome = outcomes[next]
        next++
        if (outcome === undefined) return Effect.die(new ScriptEnded())
        const tag = outcome.error?._tag ?? StatusCode.lookup(Number(outcome.label))?.tag ?? "Success"
        attempts.push({ _tag: "Attempt", n: next, at, outcome: outcome.label, tag, ok: outcome.error === undefined })
        return outcome.error === undefined ? Effect.succeed(Number(outcome.label)) : Effect.fail(outcome.error)
      }
    )

    const memory = yield* Gate.makeMemory
    const gate: Gate.Service = {
      ...memory,
      halt: (k, error, duration) =>
        Effect.flatMap(Clock.currentTimeMillis, (at) => {
          halts.push({ at, duration: duration === undefined ? undefined : Duration.toMillis(duration) })
          return memory.halt(k, error, duration)
        })
    }
    const budget = yield* RetryBudget.makeMemory()

    const call = Retry.run(attempt, {
      key,
      idempotent: options.idempotent,
      policy: options.policy,
      services: { gate, budget }
    }).pipe(
      Effect.withSpan("policy timeline"),
      Effect.withTracer(recordingTracer(waits)),
      Effect.withRandom(Random.make(options.seed)),
      Effect.exit
    )
    const fiber = yield* Effect.fork(call)
    // Runs every sleep the call schedules, in order, up to ten years of virtual time.
    yield* TestClock.adjust(Duration.days(3650))
    const polled = yield* Fiber.poll(fiber)
    const exit = Option.isSome(polled) ? Exit.flatten(polled.value) : yield* Fiber.join(fiber)
    const end = yield* Clock.currentTimeMillis
    const lastAt = Math.max(
      0,
      ...attempts.map((a) => a.at),
      ...waits.map((w) => w.reason === "gate" ? w.at : w.at + w.ms)
    )

    const steps = describe(attempts, waits, halts, options)
    const result = yield* resultOf(exit, { attempts, waits, lastAt: Math.min(lastAt, end), options, budget, key })
    return {
      outcomes: outcomes.map((o) => o.input),
      seed: options.seed,
      idempotent: options.idempotent,
      steps,
      result
    }
  }).pipe(Effect.provide(TestContext.TestContext))
