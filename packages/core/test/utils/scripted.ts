import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Gate from "../../src/Gate.js"
import * as RetryBudget from "../../src/RetryBudget.js"
import * as TrackingMoreError from "../../src/TrackingMoreError.js"

/** What one attempt of a scripted call answers: a code (200 is success), or an error. */
export type Step = number | TrackingMoreError.TrackingMoreError

/**
 * An attempt that answers the script in order (the last step repeats) and counts its runs.
 */
export const scripted = (steps: ReadonlyArray<Step>) => {
  let runs = 0
  const attempt = Effect.suspend(() => {
    const step = steps[Math.min(runs, steps.length - 1)]!
    runs++
    if (typeof step !== "number") return Effect.fail(step)
    return step === 200 ? Effect.succeed("ok" as const) : Effect.fail(TrackingMoreError.fromCode(step))
  })
  return { attempt, runs: () => runs }
}

/** Fresh in-memory gate and budget for one test. */
export const memory = Layer.merge(Gate.layerMemory, RetryBudget.layerMemory)
