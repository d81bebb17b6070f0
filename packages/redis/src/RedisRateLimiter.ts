/**
 * `@effect/experimental`'s `RateLimiter` service shared through Redis, so that every process using one API key
 * together stays under the key's rate limit (1 request/s by default, per key and endpoint group).
 *
 * It implements the experimental `RateLimiter` interface with its own Lua script instead of the experimental
 * Redis store (`@effect/experimental/RateLimiter/Redis`), which does not serve here: that store compares
 * timestamps from each caller's clock (skew between processes changes the rate), leaves its keys without a TTL,
 * opens a connection of its own (it cannot share a given ioredis client) and, with `onExceeded: "delay"`,
 * computes the delay from the debt only, so two queued requests can leave less than one interval apart.
 *
 * Both algorithms are served by GCRA (the generic cell rate algorithm: a token bucket of `limit` tokens refilled
 * every `window / limit`, kept as one timestamp on Redis `TIME`). It never lets more than `limit` requests through
 * in any window, and with `onExceeded: "delay"` it books each request the instant its token is due, waits for it
 * itself, then checks that the fleet's previous request left at least one interval ago (a process woken late must
 * not send right behind another), and returns a zero delay. The keys expire when the bucket is full again. When Redis does not answer the process falls back to the same algorithm
 * in memory: it then limits itself only.
 *
 * @since 0.1.0
 */
import * as RateLimiter from "@effect/experimental/RateLimiter"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as gcra from "./internal/gcra.js"
import * as keys from "./internal/keys.js"
import * as scripts from "./internal/scripts.js"
import * as RedisConnection from "./RedisConnection.js"

const scriptGcra = RedisConnection.script(scripts.gcra)
const scriptPace = RedisConnection.script(scripts.paceSend)

const asArray = (u: unknown): ReadonlyArray<unknown> => Array.isArray(u) ? u : []

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /**
   * How far below the limit the fleet paces itself (default 0.03: 3%). Processes wake from their booked instant
   * with a few milliseconds of jitter each; at exactly the limit, two requests arriving closer than one interval
   * drain the server's small tolerance and it never comes back. A little headroom lets it refill.
   */
  readonly headroom?: number | undefined
}

/**
 * A rate limiter over the connection.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  limiterOptions: Options = {}
): Effect.Effect<RateLimiter.RateLimiter, never, RedisConnection.RedisConnection> =>
  Effect.gen(function*() {
    const stretch = 1 + Math.max(0, limiterOptions.headroom ?? 0.03)
    const redis = yield* RedisConnection.RedisConnection
    const local = gcra.make()
    const localSent = new Map<string, number>()

    // A booked instant is not a send instant: a process woken late would send right behind the one before it,
    // and at the limit the server's small tolerance never comes back. So after its booked wait a request also
    // checks, fleet-wide, that the previous request left at least one interval ago (on Redis TIME).
    const paceSend = (key: string, spacing: number): Effect.Effect<void> =>
      Effect.flatMap(
        Effect.either(redis.eval(scriptPace, [keys.sent(redis.prefix, key)], [spacing.toFixed(3)])),
        (reply) =>
          Effect.flatMap(Clock.currentTimeMillis, (now) => {
            let wait: number
            if (reply._tag === "Right") {
              wait = Number(reply.right)
            } else {
              const last = localSent.get(key) ?? -Infinity
              wait = last + spacing - now
              if (wait < 1) localSent.set(key, now)
            }
            return wait >= 1 ? Effect.zipRight(Effect.sleep(Duration.millis(wait)), paceSend(key, spacing)) : Effect.void
          })
      )

    return {
      [RateLimiter.TypeId]: RateLimiter.TypeId,
      consume: (options) =>
        Effect.gen(function*() {
          const tokens = options.tokens ?? 1
          const onExceeded = options.onExceeded ?? "fail"
          const window = Duration.decode(options.window)
          // The whole window is stretched, so a burst of `limit` still passes at once.
          const windowMillis = Duration.toMillis(window) * stretch
          const interval = windowMillis / options.limit
          if (tokens > options.limit) {
            if (onExceeded === "fail") {
              return yield* new RateLimiter.RateLimitExceeded({
                key: options.key,
                retryAfter: window,
                limit: options.limit,
                remaining: 0
              })
            }
            return { delay: window, limit: options.limit, remaining: 0, resetAfter: window }
          }
          const book = onExceeded === "delay"
          const reply = yield* Effect.either(
            redis.eval(scriptGcra, [keys.rate(redis.prefix, options.key)], [
              interval.toFixed(3),
              windowMillis.toFixed(3),
              tokens,
              book ? "1" : "0"
            ])
          )
          const result: gcra.Result = reply._tag === "Right"
            ? (() => {
              const [delay, booked] = asArray(reply.right).map(Number)
              return { delay: delay ?? 0, booked: booked ?? 0 }
            })()
            : local(options.key, yield* Clock.currentTimeMillis, interval, windowMillis, tokens, book)
          const delay = Math.ceil(result.delay)
          if (delay > 0 && !book) {
            return yield* new RateLimiter.RateLimitExceeded({
              key: options.key,
              retryAfter: Duration.millis(delay),
              limit: options.limit,
              remaining: 0
            })
          }
          if (book) {
            // "delay": this limiter waits itself (booked instant, then the fleet-wide send spacing) and hands back
            // a token that is due now.
            if (delay > 0) yield* Effect.sleep(Duration.millis(delay))
            yield* paceSend(options.key, interval)
          }
          return {
            delay: Duration.zero,
            limit: options.limit,
            remaining: Math.floor((windowMillis - result.booked) / interval),
            resetAfter: Duration.millis(Math.max(0, Math.ceil(result.booked)))
          }
        })
    } satisfies RateLimiter.RateLimiter
  }
)

/**
 * The shared rate limiter as a layer, over a `RedisConnection`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  options: Options = {}
): Layer.Layer<RateLimiter.RateLimiter, never, RedisConnection.RedisConnection> =>
  Layer.effect(RateLimiter.RateLimiter, make(options))
