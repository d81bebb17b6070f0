import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FiberRef from "effect/FiberRef"
import * as Tracer from "effect/Tracer"

/**
 * `Effect.withSpan` for the span of every call, in about half the runtime steps: the span is made with
 * `Effect.makeSpan` (parent, annotations, links and sampling as usual), becomes the parent span with one
 * `FiberRef.set` of the context instead of an `Effect.provideService`, and ends with the call's exit as
 * `Effect.useSpan` ends it.
 */
export const withSpan = (name: string, options: Tracer.SpanOptions) => <A, E, R>(self: Effect.Effect<A, E, R>) =>
  Effect.uninterruptibleMask((restore) =>
    Effect.flatMap(Effect.makeSpan(name, options), (span) =>
      Effect.withFiberRuntime<A, E, R>((fiber) => {
        const outer = fiber.currentContext
        const timing = fiber.getFiberRef(FiberRef.currentTracerTimingEnabled)
        const clock = Context.get(fiber.currentDefaultServices, Clock.Clock)
        const end = (exit: Exit.Exit<A, E>) => {
          if (span.status._tag !== "Ended") span.end(timing ? clock.unsafeCurrentTimeNanos() : 0n, exit)
          return FiberRef.set(FiberRef.currentContext, outer)
        }
        return Effect.zipRight(
          FiberRef.set(FiberRef.currentContext, Context.add(outer, Tracer.ParentSpan, span)),
          Effect.matchCauseEffect(restore(self), {
            onSuccess: (value) => Effect.as(end(Exit.succeed(value)), value),
            onFailure: (cause) => Effect.zipRight(end(Exit.failCause(cause)), Effect.failCause(cause))
          })
        )
      })
    )
  )
