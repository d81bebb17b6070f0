/**
 * `@effect/experimental`'s `RateLimiter` service shared through Redis, so that every process using one API key
 * together stays under the key's rate limit (1 request/s by default, per key and endpoint group).
 *
 * It runs the same algorithm as core's in-memory limiter (`RateLimit.makeMemory`): GCRA, the generic cell rate
 * algorithm, a token bucket of `limit` tokens refilled one per `window / limit`, kept as one instant per key —
 * here in a Lua script on Redis `TIME`, so clock skew between processes does not change the rate, and the key
 * expires once the bucket is full again. It keeps the `RateLimiter` contract: with `onExceeded: "fail"` a token
 * is granted now or the call fails with `RateLimitExceeded` and the wait; with `"delay"` the token is booked
 * and the wait returned. The caller sleeps; the limiter never does. (The client asks with `"fail"`, so a turn
 * is granted at the moment of sending, never booked ahead: see core's `RateLimit`.)
 *
 * It is used instead of the experimental Redis store (`@effect/experimental/RateLimiter/Redis`), which compares
 * timestamps from each caller's clock, leaves its keys without a TTL and opens a connection of its own.
 *
 * When Redis does not answer, the process falls back to core's in-memory limiter: it then limits itself only.
 *
 * @since 0.1.0
 */
import * as RateLimiter from "@effect/experimental/RateLimiter"
import * as RateLimit from "@trackingmore-effect/core/RateLimit"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as keys from "./internal/keys.js"
import * as scripts from "./internal/scripts.js"
import * as RedisConnection from "./RedisConnection.js"

const scriptGcra = RedisConnection.script(scripts.gcra)

const asArray = (u: unknown): ReadonlyArray<unknown> => Array.isArray(u) ? u : []

/**
 * A rate limiter over the connection.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: Effect.Effect<RateLimiter.RateLimiter, never, RedisConnection.RedisConnection> = Effect.gen(
  function*() {
    const redis = yield* RedisConnection.RedisConnection
    const local = yield* RateLimit.makeMemory

    const consume: RateLimiter.RateLimiter["consume"] = (options) => {
      const tokens = options.tokens ?? 1
      const onExceeded = options.onExceeded ?? "fail"
      const window = Duration.decode(options.window)
      const windowMillis = Duration.toMillis(window)
      const reply = redis.eval(scriptGcra, [keys.rate(redis.prefix, options.key)], [
        (windowMillis / options.limit).toFixed(3),
        windowMillis.toFixed(3),
        tokens,
        onExceeded === "delay" ? "1" : "0"
      ])
      return Effect.matchEffect(reply, {
        onFailure: () => local.consume(options),
        onSuccess: (reply) => {
          const [delay, booked] = asArray(reply).map(Number)
          const result = { delay: delay ?? 0, booked: booked ?? 0 }
          if (result.delay > 0 && onExceeded === "fail") {
            return Effect.fail(
              new RateLimiter.RateLimitExceeded({
                key: options.key,
                retryAfter: Duration.millis(Math.ceil(result.delay)),
                limit: options.limit,
                remaining: 0
              })
            )
          }
          return Effect.succeed(RateLimit.consumeResult(options.limit, window, result))
        }
      })
    }

    return { [RateLimiter.TypeId]: RateLimiter.TypeId, consume } satisfies RateLimiter.RateLimiter
  }
)

/**
 * The shared rate limiter as a layer, over a `RedisConnection`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<RateLimiter.RateLimiter, never, RedisConnection.RedisConnection> = Layer.effect(
  RateLimiter.RateLimiter,
  make
)
