/**
 * The rate-limit step of a call: after the key's gate and before the attempt, a call waits for its turn under
 * the rate limit of its endpoint group.
 *
 * **The limiter.** Turns come from `@effect/experimental`'s `RateLimiter` service, so any implementation fits:
 * this module's in-memory one (`makeMemory`), the Redis one of `@trackingmore-effect/redis` shared by every
 * process on a key, or one of your own. Both of ours are the same algorithm, GCRA (the generic cell rate
 * algorithm: a token bucket of `limit` tokens refilled one per `window / limit`, kept as one instant per key).
 *
 * **Granted when sent, not booked ahead.** A call asks with `onExceeded: "fail"`: the limiter either grants a
 * token now or answers how long until one is due; the call sleeps that long and asks again. A booked instant
 * is not a send instant — a process whose event loop is busy wakes late and would send right behind the next
 * one — so turns are granted at the moment of sending. Inside one process only the first caller in line asks
 * the limiter (the others wait behind it, first come first served), so a queue of a thousand calls costs one
 * question per turn, not a thousand.
 *
 * **Headroom and recovery.** The window is stretched by `headroom` (3%): at exactly the limit, two requests that
 * arrive a little closer than one interval drain the server's small tolerance and it never comes back. After
 * the key cooled (a 429, by this process or another one), every caller paces `recovery.slowdown` times slower,
 * easing back to normal over `recovery.intervals` intervals: a 429 costs a two-minute penalty, a slower minute
 * costs a few requests.
 *
 * Every wait is bounded by the call's deadline: a turn that would come after it fails at once.
 *
 * @since 0.2.0
 */
import * as RateLimiter from "@effect/experimental/RateLimiter"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Gate from "./Gate.js"
import * as TrackingMoreError from "./TrackingMoreError.js"

/**
 * The limit of one endpoint group: `limit` requests per `window`.
 *
 * @since 0.2.0
 * @category models
 */
export interface Rate {
  readonly limit: number
  readonly window: Duration.DurationInput
}

/**
 * How a call waits for its turn in one endpoint group of one key.
 *
 * @since 0.2.0
 * @category models
 */
export interface RateLimit {
  /**
   * Waits for the call's turn. Succeeds with whether it had to wait (a caller that slept may have missed a
   * cooldown that began meanwhile); fails with the gate's `DeadlineExceeded` when the turn comes after
   * `deadline` (epoch ms), and with a `TransportError` when the limiter cannot answer.
   */
  readonly take: (deadline: number) => Effect.Effect<boolean, Gate.DeadlineExceeded | TrackingMoreError.TransportError>
  /** The key has just cooled: pace slower for a while. */
  readonly slowDown: Effect.Effect<void>
  /** Milliseconds between two turns at the paced rate (headroom included, recovery not). */
  readonly interval: number
}

/**
 * @since 0.2.0
 * @category models
 */
export interface Options {
  readonly limiter: RateLimiter.RateLimiter
  /** The limiter's key: the API key's fingerprint and the group, never the key itself. */
  readonly key: string
  readonly rate: Rate
  /** How far below the limit to pace (default 0.03: 3%). */
  readonly headroom?: number | undefined
}

/**
 * After a cooldown: the interval is `slowdown` times longer at first, back to normal after `intervals` of them.
 *
 * @since 0.2.0
 * @category constants
 */
export const recovery = { slowdown: 1.5, intervals: 60 } as const

/**
 * The rate-limit step of one endpoint group of one key.
 *
 * @since 0.2.0
 * @category constructors
 */
export const make = (options: Options): Effect.Effect<RateLimit> =>
  Effect.gen(function*() {
    const { limiter, key, rate } = options
    const window = Duration.toMillis(rate.window) * (1 + Math.max(0, options.headroom ?? 0.03))
    const interval = window / rate.limit
    const line = yield* Effect.makeSemaphore(1)
    let cooledAt = -Infinity

    // The window now: stretched right after a cooldown, easing back linearly.
    const currentWindow = (now: number): number => {
      const left = 1 - (now - cooledAt) / (recovery.intervals * interval)
      return left > 0 ? window * (1 + (recovery.slowdown - 1) * left) : window
    }

    const unavailable = (error: RateLimiter.RateLimitStoreError) =>
      TrackingMoreError.transport("other", undefined, { serverMessage: `rate limiter unavailable: ${error.message}` })

    // Asks until a token is granted; true when it slept.
    const ask = (deadline: number, slept: boolean): Effect.Effect<boolean, Gate.DeadlineExceeded | TrackingMoreError.TransportError> =>
      Effect.flatMap(Clock.currentTimeMillis, (now) =>
        limiter.consume({
          key,
          limit: rate.limit,
          window: Duration.millis(currentWindow(now)),
          algorithm: "token-bucket",
          onExceeded: "fail"
        }).pipe(
          Effect.as(slept),
          Effect.catchTag("RateLimiterError", (error) => {
            if (error.reason === "StoreError") return Effect.fail(unavailable(error))
            // At least a millisecond: timers have no finer grain, and a zero wait would spin.
            const wait = Math.max(1, Math.ceil(Duration.toMillis(error.retryAfter)))
            if (now + wait > deadline) {
              return Effect.fail(new Gate.DeadlineExceeded({ until: now + wait, deadline, waitingFor: "rate-limit" }))
            }
            return Effect.zipRight(Effect.sleep(Duration.millis(wait)), ask(deadline, true))
          })
        ))

    // The first in line asks at once; the others queue behind it, each until its own deadline.
    const take = (deadline: number) =>
      Effect.flatMap(
        line.withPermitsIfAvailable(1)(ask(deadline, false)),
        Option.match({
          onSome: Effect.succeed,
          onNone: () => queued(deadline)
        })
      )

    const queued = (deadline: number) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) => {
        const turn = line.withPermits(1)(ask(deadline, true))
        if (!Number.isFinite(deadline)) return turn
        return Effect.timeoutFail(turn, {
          duration: Duration.millis(Math.max(0, deadline - now)),
          onTimeout: () => new Gate.DeadlineExceeded({ until: deadline, deadline, waitingFor: "rate-limit" })
        })
      })

    const slowDown = Effect.map(Clock.currentTimeMillis, (now) => {
      cooledAt = now
    })

    return { take, slowDown, interval }
  })

/**
 * GCRA in memory, for one process: `RateLimiter`'s contract (`"fail"`: granted now or `RateLimitExceeded` with
 * the wait; `"delay"`: booked, with the wait returned). Both algorithms are served by GCRA, which never lets more
 * than `limit` requests through in any window.
 *
 * @since 0.2.0
 * @category constructors
 */
export const makeMemory: Effect.Effect<RateLimiter.RateLimiter> = Effect.sync(() => {
  const gcra = makeGcra()
  return {
    [RateLimiter.TypeId]: RateLimiter.TypeId,
    consume: (options) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) => {
        const window = Duration.decode(options.window)
        const onExceeded = options.onExceeded ?? "fail"
        const result = gcra(options.key, now, {
          interval: Duration.toMillis(window) / options.limit,
          window: Duration.toMillis(window),
          tokens: options.tokens ?? 1,
          book: onExceeded === "delay"
        })
        if (result.delay > 0 && onExceeded === "fail") {
          return Effect.fail(
            new RateLimiter.RateLimitExceeded({
              key: options.key,
              retryAfter: Duration.millis(result.delay),
              limit: options.limit,
              remaining: 0
            })
          )
        }
        return Effect.succeed(consumeResult(options.limit, window, result))
      })
  }
})

/**
 * The in-memory limiter as a layer.
 *
 * @since 0.2.0
 * @category layers
 */
export const layerMemory: Layer.Layer<RateLimiter.RateLimiter> = Layer.effect(RateLimiter.RateLimiter, makeMemory)

/**
 * What one GCRA decision says: how long until the token is due (0: now) and how far ahead the bucket is booked.
 *
 * @since 0.2.0
 * @category models
 */
export interface GcraResult {
  readonly delay: number
  readonly booked: number
}

/**
 * The `ConsumeResult` of a GCRA decision (`delay` is 0 for a token granted now).
 *
 * @since 0.2.0
 * @category constructors
 */
export const consumeResult = (
  limit: number,
  window: Duration.Duration,
  result: GcraResult
): RateLimiter.ConsumeResult => {
  const windowMillis = Duration.toMillis(window)
  return {
    delay: Duration.millis(Math.ceil(result.delay)),
    limit,
    remaining: Math.max(0, Math.floor((windowMillis - result.booked) * limit / windowMillis)),
    resetAfter: Duration.millis(Math.max(0, Math.ceil(result.booked)))
  }
}

/**
 * GCRA over a map of theoretical arrival times, on the caller's clock (the Redis limiter runs the same arithmetic
 * in a script on Redis `TIME`). A token is due when the bucket, booked up to `tat`, has room for `tokens` more
 * within `window`. Without `book` a token that is not due is not taken.
 *
 * @since 0.2.0
 * @category constructors
 */
export const makeGcra = () => {
  const tats = new Map<string, number>()
  return (
    key: string,
    now: number,
    options: { readonly interval: number; readonly window: number; readonly tokens: number; readonly book: boolean }
  ): GcraResult => {
    const stored = tats.get(key)
    const tat = stored === undefined || stored < now ? now : stored
    const nextTat = tat + options.tokens * options.interval
    const delay = Math.max(0, nextTat - options.window - now)
    if (delay > 0 && !options.book) return { delay, booked: tat - now }
    tats.set(key, nextTat)
    // Forget buckets that are full again, so the map does not grow with dead keys.
    if (tats.size > 10_000) {
      for (const [k, v] of tats) if (v < now) tats.delete(k)
    }
    return { delay, booked: nextTat - now }
  }
}
