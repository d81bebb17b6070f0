/**
 * Automatic batching of single calls: `create` and `get` calls made by independent fibers (every Promise-facade
 * call, every web request) go out together as one batch call (`POST /trackings/batch`) or one list call
 * (`GET /trackings/get?numbers=…`) of up to 40. Effect's own request batching only merges requests made inside
 * one `Effect.all`/`forEach`; `@effect/experimental`'s `dataLoader` adds the time window across fibers.
 *
 * A window alone only merges calls that arrive within it: a burst spread over more than the window (a busy
 * event loop) or a steady trickle would still make one request per window. So each loader also takes turns,
 * one per rate-limit interval (when the next token is about due), each taking the oldest waiting calls: what
 * arrives while a call waits for its turn joins the next call instead of making one of its own; an idle client
 * sends a lone call right after its window.
 *
 * Rules, for both:
 * - A turn with one call makes the single request (POST /trackings/post, GET /trackings/{carrier}/{number}),
 *   in the caller's span, as without batching.
 * - Identical calls (the same number and carrier, whose case the server does not keep apart) are sent once and
 *   every caller gets the answer.
 * - A whole-call failure (a 429 after its cooldowns, a 503 after its retries, a transport error) fails every
 *   caller of that call with it; an item's error in a batch answer fails only its own callers.
 * - Calls whose callers all left (interrupted, aborted) before their turn are not sent.
 */
import * as ExperimentalResolver from "@effect/experimental/RequestResolver"
import type * as TrackingMoreError from "@trackingmore-effect/core/TrackingMoreError"
import * as Arr from "effect/Array"
import * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Equal from "effect/Equal"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as FiberId from "effect/FiberId"
import * as Hash from "effect/Hash"
import * as Option from "effect/Option"
import * as Request from "effect/Request"
import * as RequestResolver from "effect/RequestResolver"
import type * as Scope from "effect/Scope"
import * as Tracer from "effect/Tracer"
import type { CreateOutcome } from "../CreateOutcome.js"
import type * as Requests from "../Requests.js"
import type * as Responses from "../Responses.js"
import type * as Tracking from "../Tracking.js"

type Failure = TrackingMoreError.TrackingMoreError
type Call = Effect.Effect<Tracking.Tracking, Failure>

/** Batching as the options resolve it. */
export interface Batching {
  readonly window: Duration.Duration
  readonly maxBatchSize: number
}

/** What the batcher needs from the client: its single calls and its many-item calls. */
export interface LoaderDeps {
  /** POST /trackings/post under the retry policy; 4016 is its `TrackingAlreadyExists`. */
  readonly createOne: (input: Requests.CreateTracking) => Call
  /** GET /trackings/{carrier}/{number} under the retry policy, 4031 re-polled, `register` as the option says. */
  readonly getOne: (carrierCode: string, trackingNumber: string, register: boolean) => Call
  /** `createMany`: one outcome per input, in input order. */
  readonly createMany: (items: ReadonlyArray<Requests.CreateTracking>) => Effect.Effect<ReadonlyArray<CreateOutcome>, Failure>
  /** One list call for at most 40 numbers. */
  readonly list: (numbers: ReadonlyArray<string>) => Effect.Effect<Responses.TrackingPage, Failure>
  /** How long a turn holds the next one back: one rate-limit interval of the group each loader uses. */
  readonly spacing: { readonly create: Duration.Duration; readonly get: Duration.Duration }
}

/** `create` and `get` through the batcher; the inputs are checked by the caller beforehand. */
export interface Batcher {
  readonly create: (input: Requests.CreateTracking) => Call
  readonly get: (carrierCode: string, trackingNumber: string, register: boolean) => Call
}

/** The caller of a request: its span (a single request runs in it, a batch call links to it), whether it left. */
interface Caller {
  readonly span: Option.Option<Tracer.AnySpan>
  left: boolean
  /** Set by the turn that sends its call: checks whether anyone still waits for it. */
  onLeave: () => void
}

const allLeft = (taken: ReadonlyArray<Pending<Loadable>>): boolean =>
  taken.every((pending) => pending.requests.every((request) => request.caller.left))

/**
 * Runs a turn's work in a fiber of its own, interrupted as soon as every caller it works for has left (an
 * aborted Promise, an interrupted fiber, a closed client): nothing more is sent for calls nobody waits for, also
 * in the middle of a cooldown.
 */
const watched = <A>(taken: ReadonlyArray<Pending<Loadable>>, work: Effect.Effect<A>): Effect.Effect<Exit.Exit<A>> =>
  Effect.flatMap(Effect.fork(Effect.interruptible(work)), (fiber) => {
    const check = () => {
      if (allLeft(taken)) fiber.unsafeInterruptAsFork(FiberId.none)
    }
    for (const pending of taken) for (const request of pending.requests) request.caller.onLeave = check
    check()
    return Fiber.await(fiber)
  })

/** A tracking's identity: its number and its carrier, whose case the server does not keep apart. */
const identity = (trackingNumber: string, carrierCode: string): string =>
  `${trackingNumber}\u0000${carrierCode.toLowerCase()}`

/** A `create` waiting for its window; equal to another for the same tracking, whatever its other fields. */
class CreateRequest extends Request.TaggedClass("CreateRequest")<
  Tracking.Tracking,
  Failure,
  { readonly input: Requests.CreateTracking; readonly caller: Caller }
> {
  get key(): string {
    return identity(this.input.trackingNumber, this.input.carrierCode)
  }
  [Equal.symbol](that: Equal.Equal): boolean {
    return that instanceof CreateRequest && that.key === this.key
  }
  [Hash.symbol](): number {
    return Hash.cached(this, Hash.string(this.key))
  }
}

/** A `get` waiting for its window; `register` is part of its identity (it changes what a miss does). */
class GetRequest extends Request.TaggedClass("GetRequest")<
  Tracking.Tracking,
  Failure,
  { readonly carrierCode: string; readonly trackingNumber: string; readonly register: boolean; readonly caller: Caller }
> {
  get key(): string {
    return `${identity(this.trackingNumber, this.carrierCode)}\u0000${this.register}`
  }
  [Equal.symbol](that: Equal.Equal): boolean {
    return that instanceof GetRequest && that.key === this.key
  }
  [Hash.symbol](): number {
    return Hash.cached(this, Hash.string(this.key))
  }
}

type Loadable = CreateRequest | GetRequest

/** Identical requests of one window, answered by one call. */
interface Pending<R extends Loadable> {
  readonly requests: Arr.NonEmptyArray<R>
  readonly result: Deferred.Deferred<Tracking.Tracking, Failure>
}

const answer = <R extends Loadable>(pending: Pending<R>, exit: Exit.Exit<Tracking.Tracking, Failure>): Effect.Effect<void> =>
  Effect.asVoid(Deferred.done(pending.result, exit))

/** Runs `call` in the span of the first caller that has one: its attempts and waits are recorded there. */
const inCallerSpan = <A, E>(pending: Pending<Loadable>, call: Effect.Effect<A, E>): Effect.Effect<A, E> => {
  const span = Arr.findFirst(pending.requests, (request) => Option.isSome(request.caller.span)).pipe(
    Option.flatMap((request) => request.caller.span)
  )
  return Option.match(span, { onNone: () => call, onSome: (parent) => Effect.withParentSpan(call, parent) })
}

/** Answers a group with what a call gives, made in its caller's span. */
const settleWith = (pending: Pending<Loadable>, call: Call): Effect.Effect<void> =>
  Effect.flatMap(Effect.exit(inCallerSpan(pending, call)), (exit) => answer(pending, exit))

/** Links the span of a batch call to the spans of its callers. */
const linkedToCallers = <A, E>(taken: ReadonlyArray<Pending<Loadable>>, call: Effect.Effect<A, E>): Effect.Effect<A, E> => {
  const spans = taken.flatMap((pending) => pending.requests.flatMap((request) => Option.toArray(request.caller.span)))
  return spans.reduce((linked, span) => Effect.linkSpans(linked, span), call)
}

/** One turn's work: the request(s) for the groups taken, and an answer for each. */
type Send<R extends Loadable> = (taken: Arr.NonEmptyArray<Pending<R>>) => Effect.Effect<void>

/**
 * The resolver of one loader: each window's requests, grouped by identity, wait in one queue; turns (at most one
 * per `spacing`) take the oldest groups, at most `maxBatchSize`, and send them. Every window completes its own
 * requests (a request can only be completed from the fiber its window runs in).
 */
const takingTurns = <R extends Loadable>(
  maxBatchSize: number,
  spacing: Duration.Duration,
  send: Send<R>
): Effect.Effect<RequestResolver.RequestResolver<R>> =>
  Effect.map(Effect.makeSemaphore(1), (semaphore) => {
    const queue: Array<Pending<R>> = []
    // Whatever ends a turn's work (a defect, every caller leaving), no group it took is left without an answer.
    const settle = (taken: ReadonlyArray<Pending<R>>, exit: Exit.Exit<unknown>) =>
      Exit.isSuccess(exit)
        ? Effect.void
        : Effect.forEach(taken, (pending) => Deferred.failCause(pending.result, exit.cause), { discard: true })

    // When the next turn may start: one rate-limit interval after the last one, when its token is about due, so
    // that what arrives meanwhile joins it. A time, not a timer: nothing is left running after the last call.
    let nextTurnAt = -Infinity

    const turn = Effect.uninterruptibleMask((restore) =>
      Effect.gen(function*() {
        yield* restore(semaphore.take(1))
        const taken: Array<Pending<R>> = []
        const ready = yield* Effect.exit(restore(Effect.flatMap(Clock.currentTimeMillis, (now) =>
          now < nextTurnAt ? Effect.sleep(Duration.millis(nextTurnAt - now)) : Effect.void)))
        while (Exit.isSuccess(ready) && taken.length < maxBatchSize && queue.length > 0) {
          const pending = queue.shift()!
          if (allLeft([pending])) yield* Deferred.interrupt(pending.result)
          else taken.push(pending)
        }
        if (Arr.isNonEmptyArray(taken)) nextTurnAt = (yield* Clock.currentTimeMillis) + Duration.toMillis(spacing)
        yield* semaphore.release(1)
        if (Exit.isFailure(ready)) return yield* ready
        if (Arr.isNonEmptyArray(taken)) yield* settle(taken, yield* watched(taken, send(taken)))
      })
    )

    return RequestResolver.makeBatched((requests: Arr.NonEmptyArray<R>) =>
      Effect.suspend(() => {
        const groups = new Map<string, Arr.NonEmptyArray<R>>()
        for (const request of requests) {
          const group = groups.get(request.key)
          if (group === undefined) groups.set(request.key, [request])
          else group.push(request)
        }
        const mine: Array<Pending<R>> = [...groups.values()].map((group) => ({
          requests: group,
          result: Deferred.unsafeMake<Tracking.Tracking, Failure>(FiberId.none)
        }))
        queue.push(...mine)
        return Effect.zipRight(
          Effect.whileLoop({ while: () => mine.some((pending) => queue.includes(pending)), body: () => turn, step: () => {} }),
          Effect.forEach(mine, (pending) =>
            Effect.flatMap(Effect.exit(Deferred.await(pending.result)), (exit) =>
              Effect.forEach(pending.requests, (request) => Request.complete(request, exit as Request.Request.Result<R>), {
                discard: true
              })), {
            discard: true
          })
        )
      })
    )
  })

/** The batcher of one client; its loaders' windows run in the scope given. */
export const make = (deps: LoaderDeps, batching: Batching): Effect.Effect<Batcher, never, Scope.Scope> =>
  Effect.gen(function*() {
    const loaderOptions = { window: batching.window, maxBatchSize: batching.maxBatchSize }

    // The caller's side: its span, and a mark when it leaves, so that a call nobody waits for is not sent.
    const load = <R extends Loadable>(
      make: (caller: Caller) => R,
      loader: RequestResolver.RequestResolver<R>
    ): Call =>
      Effect.flatMap(Effect.serviceOption(Tracer.ParentSpan), (span) => {
        const caller: Caller = { span, left: false, onLeave: () => {} }
        return Effect.request(make(caller), loader).pipe(
          // A user's request cache would hand out answers of earlier windows: every call asks the server.
          Effect.withRequestCaching(false),
          Effect.onInterrupt(() =>
            Effect.sync(() => {
              caller.left = true
              caller.onLeave()
            })
          )
        ) as Call
      })

    const sendGets: Send<GetRequest> = (taken) => {
      if (taken.length === 1) {
        const [pending] = taken
        const { carrierCode, register, trackingNumber } = pending.requests[0]
        return settleWith(pending, deps.getOne(carrierCode, trackingNumber, register))
      }
      const numbers = [...new Set(taken.map((pending) => pending.requests[0].trackingNumber))]
      return Effect.flatMap(Effect.exit(linkedToCallers(taken, deps.list(numbers))), (exit) =>
        Effect.forEach(taken, (pending) => {
          if (Exit.isFailure(exit)) return answer(pending, Exit.failCause(exit.cause))
          const { carrierCode, register, trackingNumber } = pending.requests[0]
          const found = exit.value.items.find((tracking) =>
            tracking.trackingNumber === trackingNumber && tracking.carrierCode.toLowerCase() === carrierCode.toLowerCase()
          )
          // Not in the account (or not yet): what the single get says, 4031 re-polls and `register` included.
          return found !== undefined
            ? answer(pending, Exit.succeed(found))
            : settleWith(pending, deps.getOne(carrierCode, trackingNumber, register))
        }, { concurrency: "unbounded", discard: true }))
    }
    const getLoader = yield* ExperimentalResolver.dataLoader(
      yield* takingTurns(batching.maxBatchSize, deps.spacing.get, sendGets),
      loaderOptions
    )

    const get: Batcher["get"] = (carrierCode, trackingNumber, register) =>
      load((caller) => new GetRequest({ carrierCode, trackingNumber, register, caller }), getLoader)

    // 4016 answers `create` with the existing tracking, as without batching; fetched (batched too) when the
    // answer did not carry it.
    const existing = (input: Requests.CreateTracking) => get(input.carrierCode, input.trackingNumber, false)

    const createSingle = (input: Requests.CreateTracking): Call =>
      Effect.catchTag(deps.createOne(input), "TrackingAlreadyExists", () => existing(input))

    const fromOutcome = (outcome: CreateOutcome): Call => {
      switch (outcome._tag) {
        case "Created":
          return Effect.succeed(outcome.tracking)
        case "Existed":
          return outcome.tracking !== undefined ? Effect.succeed(outcome.tracking) : existing(outcome.input)
        case "Failed":
          return Effect.fail(outcome.error)
        case "NotSent":
          return Effect.fail(outcome.reason)
      }
    }

    const sendCreates: Send<CreateRequest> = (taken) => {
      if (taken.length === 1) {
        const [pending] = taken
        return settleWith(pending, createSingle(pending.requests[0].input))
      }
      return Effect.flatMap(
        Effect.exit(linkedToCallers(taken, deps.createMany(taken.map((pending) => pending.requests[0].input)))),
        (exit) =>
          Effect.forEach(taken, (pending, index) => {
            if (Exit.isFailure(exit)) return answer(pending, Exit.failCause(exit.cause))
            const outcome = exit.value[index]
            return settleWith(pending, outcome === undefined ? createSingle(pending.requests[0].input) : fromOutcome(outcome))
          }, { concurrency: "unbounded", discard: true })
      )
    }
    const createLoader = yield* ExperimentalResolver.dataLoader(
      yield* takingTurns(batching.maxBatchSize, deps.spacing.create, sendCreates),
      loaderOptions
    )

    const create: Batcher["create"] = (input) => load((caller) => new CreateRequest({ input, caller }), createLoader)

    return { create, get }
  })
