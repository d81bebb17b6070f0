import * as Endpoint from "@trackingmore-effect/core/Endpoint"
import * as TrackingMoreError from "@trackingmore-effect/core/TrackingMoreError"
import * as Arr from "effect/Array"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { CreateOutcome } from "../CreateOutcome.js"
import type { CreateTracking } from "../Requests.js"
import type { BatchResult, TrackingPage } from "../Responses.js"
import type { Tracking } from "../Tracking.js"
import * as bulk from "./bulk.js"

interface Slot {
  readonly index: number
  readonly input: CreateTracking
  readonly wire: unknown
}

export interface BatchDeps {
  readonly batchSize: number
  /** Validates and encodes one item without sending anything. */
  readonly encode: (input: CreateTracking) => Either.Either<unknown, TrackingMoreError.TrackingMoreError>
  /** One `POST /trackings/batch` call under the retry policy, with `deadline` as its own (infinite: none). */
  readonly send: (
    items: ReadonlyArray<unknown>,
    deadline: Duration.Duration
  ) => Effect.Effect<BatchResult, TrackingMoreError.TrackingMoreError>
  /** Lists the trackings of at most 40 numbers, with `deadline` as the call's own. */
  readonly list: (
    numbers: ReadonlyArray<string>,
    deadline: Duration.Duration
  ) => Effect.Effect<TrackingPage, TrackingMoreError.TrackingMoreError>
}

const sameCarrier = (a: string | undefined, b: string | undefined): boolean =>
  a !== undefined && b !== undefined && a.toLowerCase() === b.toLowerCase()

/** Pending slots by tracking number; a response item takes the slot of the same carrier, else the first one. */
class Pending {
  private readonly byNumber = new Map<string, Array<Slot>>()
  constructor(slots: ReadonlyArray<Slot>) {
    for (const slot of slots) {
      const list = this.byNumber.get(slot.input.trackingNumber)
      if (list === undefined) this.byNumber.set(slot.input.trackingNumber, [slot])
      else list.push(slot)
    }
  }
  take(number: string | undefined, carrier: string | undefined): Slot | undefined {
    if (number === undefined) return undefined
    const list = this.byNumber.get(number)
    if (list === undefined || list.length === 0) return undefined
    const at = list.findIndex((slot) => sameCarrier(slot.input.carrierCode, carrier))
    const [slot] = list.splice(at === -1 ? 0 : at, 1)
    return slot
  }
  rest(): Array<Slot> {
    return [...this.byNumber.values()].flat().sort((a, b) => a.index - b.index)
  }
}

/** A tracking's identity: its number and its carrier, whose case the server does not keep apart. */
const trackingKey = (tracking: Tracking): string => `${tracking.trackingNumber}\u0000${tracking.carrierCode.toLowerCase()}`

/**
 * Creates many trackings in chunks of at most `batchSize`: two chunks in flight, paced by the rate limiter; a
 * chunk answered 4020 or 202 is halved and resent; item errors become per-item outcomes; an item the answer
 * forgot is looked up (list by number) and, if absent, sent once more; a whole-call error becomes a `Failed`
 * outcome of each item of its chunk. Exactly one outcome per input, in input order, whatever the server answers:
 * an input no path settled (which none should leave) is `Failed` rather than missing. A tracking is `Created`
 * for one input at most: an answer that reports it created again (a duplicate entry, a resent chunk) leaves the
 * other input to the lookup, which finds it `Existed`.
 *
 * `deadline` (infinite: none) bounds the whole call, not each of its calls: every call gets what is left of it
 * as its own deadline, so waiting for one's turn under the rate limit fails nothing until the caller's deadline.
 * An item no request has carried when the deadline comes is `NotSent`: its chunk's turn came after the deadline,
 * or its chunk call gave up at the gate with `DeadlineExceeded` (which core gives only when no attempt was made).
 * An item that was sent before keeps a `Failed` outcome, since the server may have seen it.
 */
export const createMany = (
  deps: BatchDeps,
  items: ReadonlyArray<CreateTracking>,
  deadline: Duration.Duration
): Effect.Effect<ReadonlyArray<CreateOutcome>> =>
  Effect.flatMap(bulk.startDeadline(deadline), (remaining) => {
    // Filled, not sized: `new Array(n)` has holes, which `map` below would skip, leaving them holes.
    const outcomes: Array<CreateOutcome | undefined> = Array.from({ length: items.length }, () => undefined)
    const created = new Set<string>()
    // Inputs a request has carried (that request may have reached the server): never `NotSent`.
    const sent = new Set<number>()
    // Set when a chunk call gave up waiting for its turn: the chunks after it would wait longer still, so they are
    // not sent either (each would otherwise take, and waste, a rate-limit token on its way out).
    let expired: TrackingMoreError.DeadlineExceeded | undefined
    const settle = (slot: Slot, outcome: CreateOutcome) => {
      if (outcomes[slot.index] === undefined) outcomes[slot.index] = outcome
    }
    const notSent = (slots: ReadonlyArray<Slot>, reason: TrackingMoreError.DeadlineExceeded) => {
      for (const slot of slots) {
        settle(
          slot,
          sent.has(slot.index)
            ? CreateOutcome.Failed({ input: slot.input, error: reason })
            : CreateOutcome.NotSent({ input: slot.input, reason })
        )
      }
    }
    const valid: Array<Slot> = []
    // A loop, not `forEach`: a hole in a sparse input is an input too, read as `undefined` and refused by `encode`.
    for (let index = 0; index < items.length; index++) {
      const input = items[index] as CreateTracking
      const encoded = deps.encode(input)
      if (Either.isLeft(encoded)) outcomes[index] = CreateOutcome.Failed({ input, error: encoded.left })
      else valid.push({ index, input, wire: encoded.right })
    }

    const sendChunk = (slots: ReadonlyArray<Slot>, resent: boolean): Effect.Effect<void> =>
      Effect.flatMap(remaining(Endpoint.endpoints.batch), (left) => {
        const turn = expired !== undefined ? Either.left(expired) : left
        if (Either.isLeft(turn)) {
          notSent(slots, turn.left)
          return Effect.void
        }
        return send(slots, resent, turn.right)
      })

    const send = (slots: ReadonlyArray<Slot>, resent: boolean, deadline: Duration.Duration): Effect.Effect<void> =>
      deps.send(slots.map((slot) => slot.wire), deadline).pipe(
        Effect.matchEffect({
          onFailure: (error) => {
            if (error._tag === "DeadlineExceeded") {
              expired = error
              notSent(slots, error)
              return Effect.void
            }
            for (const slot of slots) sent.add(slot.index)
            if ((error._tag === "BatchTooLarge" || error._tag === "LimitExceeded") && slots.length > 1) {
              const half = Math.ceil(slots.length / 2)
              return Effect.forEach([slots.slice(0, half), slots.slice(half)], (part) => sendChunk(part, resent), {
                concurrency: "unbounded",
                discard: true
              })
            }
            for (const slot of slots) settle(slot, CreateOutcome.Failed({ input: slot.input, error }))
            return Effect.void
          },
          onSuccess: (result) => {
            for (const slot of slots) sent.add(slot.index)
            const pending = new Pending(slots)
            for (const tracking of result.trackings) {
              // Reported created before (in this answer or an earlier one): the server cannot have created it twice.
              if (created.has(trackingKey(tracking))) continue
              const slot = pending.take(tracking.trackingNumber, tracking.carrierCode)
              if (slot !== undefined && outcomes[slot.index] === undefined) {
                created.add(trackingKey(tracking))
                settle(slot, CreateOutcome.Created({ input: slot.input, tracking }))
              }
            }
            for (const itemError of result.errors) {
              const slot = pending.take(itemError.trackingNumber, itemError.carrierCode)
              if (slot === undefined) continue
              settle(
                slot,
                itemError.code === 4016
                  ? CreateOutcome.Existed({ input: slot.input })
                  : CreateOutcome.Failed({
                    input: slot.input,
                    error: TrackingMoreError.fromCode(itemError.code, {
                      serverMessage: itemError.message,
                      method: "POST",
                      endpoint: "/trackings/batch"
                    })
                  })
              )
            }
            const missing = pending.rest()
            return missing.length === 0 ? Effect.void : resolveMissing(missing, resent)
          }
        })
      )

    // Items the answer mentioned neither as created nor as failed: find them, else send them once more.
    const resolveMissing = (slots: ReadonlyArray<Slot>, resent: boolean): Effect.Effect<void> =>
      Effect.forEach(Arr.chunksOf(slots, Endpoint.maxBatchSize), (part) =>
        Effect.flatMap(remaining(Endpoint.endpoints.list), Either.match({
          // These items were sent: a lookup that could not be made leaves them `Failed`, not `NotSent`.
          onLeft: (error) => Effect.fail(error),
          onRight: (deadline) => deps.list([...new Set(part.map((slot) => slot.input.trackingNumber))], deadline)
        })).pipe(
          Effect.matchEffect({
            onFailure: (error) => {
              for (const slot of part) settle(slot, CreateOutcome.Failed({ input: slot.input, error }))
              return Effect.void
            },
            onSuccess: (page) => {
              const found = new Map<Slot, Tracking>()
              const unfound: Array<Slot> = []
              for (const slot of part) {
                const tracking = page.items.find((t) =>
                  t.trackingNumber === slot.input.trackingNumber && sameCarrier(t.carrierCode, slot.input.carrierCode)
                )
                if (tracking !== undefined) found.set(slot, tracking)
                else unfound.push(slot)
              }
              for (const [slot, tracking] of found) settle(slot, CreateOutcome.Existed({ input: slot.input, tracking }))
              if (unfound.length === 0) return Effect.void
              if (!resent) return sendChunk(unfound, true)
              for (const slot of unfound) {
                settle(
                  slot,
                  CreateOutcome.Failed({
                    input: slot.input,
                    error: TrackingMoreError.malformed(
                      200,
                      "unexpected-shape",
                      "",
                      { method: "POST", endpoint: "/trackings/batch" },
                      "the batch answer mentioned this tracking neither as created nor as failed, twice"
                    )
                  })
                )
              }
              return Effect.void
            }
          })
        ), { discard: true })

    // Two chunks in flight: one waits for its rate-limit token while the other's answer comes back. More would
    // only queue on the limiter, with wake-ups fixed in advance that bunch up when the event loop stalls.
    return Effect.forEach(Arr.chunksOf(valid, deps.batchSize), (slots) => sendChunk(slots, false), {
      concurrency: 2,
      discard: true
    }).pipe(
      Effect.map(() =>
        outcomes.map((outcome, index) =>
          outcome ?? CreateOutcome.Failed({
            input: items[index]!,
            error: TrackingMoreError.malformed(0, "other", "", {}, "no outcome was recorded for this tracking")
          })
        )
      )
    )
  })
