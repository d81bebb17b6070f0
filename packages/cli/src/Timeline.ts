/**
 * `policy timeline`: core's real `Retry.run` on a virtual clock (`TestClock`) against scripted answers. What it
 * did is read from what it exposes to everyone: the attempts it makes (the scripted attempt notes the clock),
 * the `trackingmore.wait` span events it adds for every wait, with their reason and length, and the gate's
 * `cooldown` and `halt` that it calls. Nothing of the policy is restated here.
 *
 * @since 0.1.0
 */
import * as Gate from "@trackingmore-effect/core/Gate"
import * as Policy from "@trackingmore-effect/core/Policy"
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
import * as Tracer from "effect/Tracer"
import * as Decisions from "./Decisions.js"

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

// Span events carry epoch nanoseconds; the virtual clock starts at 0.
const toMillis = (nanos: bigint): number => Number(nanos / 1000n) / 1000

interface WaitEvent {
  readonly at: number
  readonly reason: WaitReason
  readonly ms: number
  readonly tag: string | undefined
}

/** A tracer whose spans keep the `trackingmore.wait` events, and nothing else. */
const recordingTracer = (events: Array<WaitEvent>): Tracer.Tracer =>
  Tracer.make({
    span: (name, parent, context, links, startTime, kind) => {
      const attributes = new Map<string, unknown>()
      const span: Tracer.Span = {
        _tag: "Span",
        name,
        spanId: "timeline",
        traceId: "timeline",
        parent,
        context,
        status: { _tag: "Started", startTime },
        attributes,
        links,
        sampled: false,
        kind,
        end: () => {},
        attribute: (key, value) => {
          attributes.set(key, value)
        },
        event: (eventName, at, eventAttributes) => {
          if (eventName !== "trackingmore.wait" || eventAttributes === undefined) return
          events.push({
            at: toMillis(at),
            reason: eventAttributes["trackingmore.wait.reason"] as WaitReason,
            ms: Number(eventAttributes["trackingmore.wait.ms"]),
            tag: eventAttributes["trackingmore.error.tag"] as string | undefined
          })
        },
        addLinks: () => {}
      }
      return span
    },
    context: (f) => f()
  })

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
    const halts: Array<{ readonly at: number; readonly duration: number | undefined }> = []
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
    const gate: Gate.Gate = {
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
    const result = yield* resultOf(exit, { attempts, waits, lastAt: Math.min(lastAt, end), options, budget })
    return {
      outcomes: outcomes.map((o) => o.input),
      seed: options.seed,
      idempotent: options.idempotent,
      steps,
      result
    }
  }).pipe(Effect.provide(TestContext.TestContext))

const describe = (
  attempts: ReadonlyArray<Extract<Step, { _tag: "Attempt" }>>,
  waits: ReadonlyArray<WaitEvent>,
  halts: ReadonlyArray<{ readonly at: number; readonly duration: number | undefined }>,
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

const errorOfTag = (tag: string | undefined): TrackingMoreError.TrackingMoreError | undefined => {
  if (tag === undefined) return undefined
  const entry = StatusCode.all.find((e) => e.tag === tag)
  if (entry !== undefined) return TrackingMoreError.fromCode(entry.code)
  if (tag === "TransportError") return TrackingMoreError.transport("reset", undefined)
  if (tag === "MalformedResponse") return TrackingMoreError.malformed(502, "html", "")
  return undefined
}

const resultOf = (
  exit: Exit.Exit<number, TrackingMoreError.TrackingMoreError>,
  run: {
    readonly attempts: ReadonlyArray<Extract<Step, { _tag: "Attempt" }>>
    readonly waits: ReadonlyArray<WaitEvent>
    readonly lastAt: number
    readonly options: { readonly policy: Policy.PolicyConfig; readonly idempotent: boolean }
    readonly budget: RetryBudget.RetryBudget
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

const whyFailed = (
  error: TrackingMoreError.TrackingMoreError,
  run: {
    readonly waits: ReadonlyArray<WaitEvent>
    readonly attempts: ReadonlyArray<unknown>
    readonly lastAt: number
    readonly options: { readonly policy: Policy.PolicyConfig; readonly idempotent: boolean }
    readonly budget: RetryBudget.RetryBudget
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
          const left = yield* run.budget.available(key)
          if (left < RetryBudget.defaults.retryCost) return "the retry budget is empty"
        }
        return `the next wait would end after the call's deadline (${Decisions.formatDuration(policy.deadline)})`
      }
    }
  })
