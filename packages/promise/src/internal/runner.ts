import * as CoreError from "@trackingmore-effect/core/TrackingMoreError"
import * as Cause from "effect/Cause"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FiberId from "effect/FiberId"
import type * as ManagedRuntime from "effect/ManagedRuntime"
import * as Option from "effect/Option"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import { ClientClosedError, TrackingMoreApiError } from "../TrackingMoreError.js"

/** The rejection of an aborted call, as `fetch` gives it: the signal's reason, else a `DOMException` AbortError. */
export const abortReason = (signal: AbortSignal): unknown =>
  signal.reason !== undefined ? signal.reason : new DOMException("This operation was aborted", "AbortError")

/** Maps an Effect error of the client to the error class of this package. */
export const toPromiseError = (error: unknown): Error =>
  CoreError.isTrackingMoreError(error)
    ? new TrackingMoreApiError(error) as Error
    : error instanceof Error
    ? error
    : new Error(`TrackingMore client failed: ${String(error)}`, { cause: error })

/** The rejection of a failed exit: the typed error, or a plain `Error` with the defect as cause. */
export const fromCause = (cause: Cause.Cause<unknown>, what: string, closed: () => boolean): unknown => {
  const failure = Cause.failureOption(cause)
  if (Option.isSome(failure)) return toPromiseError(failure.value)
  const defect = Cause.dieOption(cause)
  if (Option.isSome(defect)) {
    const value = defect.value
    const message = value instanceof Error ? value.message : String(value)
    return new Error(`TrackingMore client defect in ${what}: ${message}`, { cause: value })
  }
  if (closed()) return new ClientClosedError(what)
  return new Error(`TrackingMore ${what} was interrupted`, { cause: Cause.squash(cause) })
}

/** What a runner needs from the client that owns it. */
export interface Owner<R> {
  readonly runtime: ManagedRuntime.ManagedRuntime<R, never>
  readonly isClosed: () => boolean
  /** Called with an aborter while a call runs; returns the function that unregisters it. */
  readonly register: (abort: (reason: unknown) => void) => () => void
}

/**
 * Runs one effect on the runtime as a Promise. An abort (or `close()`) rejects at once and interrupts the
 * fiber: whatever it was waiting for (a cooldown, the rate limiter, a request in flight) stops, nothing more is
 * sent.
 */
export const run = <R, A>(
  owner: Owner<R>,
  what: string,
  effect: Effect.Effect<A, unknown, R>,
  signal: AbortSignal | undefined
): Promise<A> =>
  new Promise<A>((resolve, reject) => {
    if (owner.isClosed()) return reject(new ClientClosedError(what))
    if (signal?.aborted === true) return reject(abortReason(signal))
    const fiber = owner.runtime.runFork(effect)
    let settled = false
    let unregister = (): void => {}
    const onAbort = () => stop(abortReason(signal!))
    const cleanup = () => {
      signal?.removeEventListener("abort", onAbort)
      unregister()
    }
    const stop = (reason: unknown) => {
      if (settled) return
      settled = true
      cleanup()
      reject(reason)
      fiber.unsafeInterruptAsFork(FiberId.none)
    }
    signal?.addEventListener("abort", onAbort, { once: true })
    unregister = owner.register(stop)
    fiber.addObserver((exit) => {
      if (settled) return
      settled = true
      cleanup()
      if (Exit.isSuccess(exit)) resolve(exit.value)
      else reject(fromCause(exit.cause, what, owner.isClosed))
    })
  })

/**
 * A stream as an async iterable: each `next()` pulls one chunk on the runtime under the signal; leaving the
 * loop early (`break`, `return`, a throw) or aborting closes the stream's scope.
 */
export const iterate = <R, A>(
  owner: Owner<R>,
  what: string,
  stream: Stream.Stream<A, unknown, R>,
  signal: AbortSignal | undefined
): AsyncIterable<A> => ({
  [Symbol.asyncIterator]: async function*() {
    const scope = Effect.runSync(Scope.make())
    try {
      const pull = await run(owner, what, Scope.extend(Stream.toPull(stream), scope), signal)
      while (true) {
        const exit = await run(owner, what, Effect.exit(pull), signal)
        if (Exit.isSuccess(exit)) {
          yield* Chunk.toReadonlyArray(exit.value)
          continue
        }
        const failure = Cause.failureOption(exit.cause)
        if (Option.isSome(failure)) {
          if (Option.isNone(failure.value)) return
          throw toPromiseError(failure.value.value)
        }
        throw fromCause(exit.cause, what, owner.isClosed)
      }
    } finally {
      await Effect.runPromise(Scope.close(scope, Exit.void))
    }
  }
})
