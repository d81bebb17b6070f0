/**
 * What `policy timeline` reads of the waits of `Retry.run`: the `trackingmore.wait` span events it adds for every
 * wait, with their reason, length and the error that caused them, on the virtual clock.
 */
import type * as Retry from "@trackingmore-effect/core/Retry"
import * as Tracer from "effect/Tracer"

/** One wait, at a time in milliseconds since the start. */
export interface WaitEvent {
  readonly at: number
  readonly reason: Retry.WaitReason
  readonly ms: number
  readonly tag: string | undefined
}

// Span events carry epoch nanoseconds; the virtual clock starts at 0.
const toMillis = (nanos: bigint): number => Number(nanos / 1000n) / 1000

/** A tracer whose spans keep the `trackingmore.wait` events, and nothing else. */
export const recordingTracer = (events: Array<WaitEvent>): Tracer.Tracer =>
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
            reason: eventAttributes["trackingmore.wait.reason"] as Retry.WaitReason,
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
