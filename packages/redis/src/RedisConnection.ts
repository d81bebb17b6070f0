/**
 * One ioredis connection shared by the gate, the rate limiter and the budget of a process, with short timeouts so
 * that an unreachable Redis fails a command in about a second instead of hanging the call, and a health flag that
 * logs one warning when Redis goes away (and one line when it is back).
 *
 * @since 0.1.0
 */
import * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import { Redis } from "ioredis"
import type { RedisOptions } from "ioredis"
import { createHash } from "node:crypto"

/**
 * Redis did not answer (unreachable, timed out, or refused the command). Callers fall back to in-process state.
 *
 * @since 0.1.0
 * @category errors
 */
export class RedisUnavailable extends Data.TaggedError("RedisUnavailable")<{
  readonly cause: unknown
}> {
  /**
   * @since 0.1.0
   */
  override get message(): string {
    return `Redis unavailable: ${this.cause instanceof Error ? this.cause.message : String(this.cause)}`
  }
}

/**
 * A Lua script and its SHA-1, run with `EVALSHA` and loaded on `NOSCRIPT`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Script {
  readonly lua: string
  readonly sha: string
}

/**
 * @since 0.1.0
 * @category constructors
 */
export const script = (lua: string): Script => ({ lua, sha: createHash("sha1").update(lua).digest("hex") })

/**
 * @since 0.1.0
 * @category models
 */
export interface Service {
  /** The ioredis client. */
  readonly client: Redis
  /** Prepended to every key, e.g. `trackingmore:`. */
  readonly prefix: string
  /** Run a script atomically; fails with `RedisUnavailable` and updates the health flag. */
  readonly eval: (
    script: Script,
    keys: ReadonlyArray<string>,
    args: ReadonlyArray<string | number>
  ) => Effect.Effect<unknown, RedisUnavailable>
  /** Run any ioredis command; fails with `RedisUnavailable` and updates the health flag. */
  readonly use: <A>(f: (client: Redis) => Promise<A>) => Effect.Effect<A, RedisUnavailable>
  /** Whether the last command reached Redis. */
  readonly healthy: Effect.Effect<boolean>
}

/**
 * @since 0.1.0
 * @category tags
 */
export class RedisConnection extends Context.Tag("@trackingmore-effect/redis/RedisConnection")<RedisConnection, Service>() {}

/**
 * The default key prefix.
 *
 * @since 0.1.0
 * @category defaults
 */
export const defaultPrefix = "trackingmore:"

/**
 * The ioredis options used for a connection opened from a URL: a one-second connect and command timeout, one
 * attempt per command, no offline queue (a command while disconnected fails at once) and reconnection in the
 * background every second at most. Any of them can be overridden with `redisOptions`.
 *
 * @since 0.1.0
 * @category defaults
 */
export const defaultRedisOptions: RedisOptions = {
  connectTimeout: 1000,
  commandTimeout: 1000,
  maxRetriesPerRequest: 1,
  enableOfflineQueue: false,
  lazyConnect: true,
  retryStrategy: (times) => Math.min(times * 100, 1000)
}

/**
 * Where the connection comes from: a URL (the connection is opened and closed with the layer) or an ioredis
 * client you own (used as is and left open; give it short timeouts and `enableOfflineQueue: false`).
 *
 * @since 0.1.0
 * @category models
 */
export type ConnectionOptions =
  | {
    readonly url: string | Redacted.Redacted<string>
    readonly redisOptions?: RedisOptions | undefined
    readonly prefix?: string | undefined
  }
  | {
    readonly client: Redis
    readonly prefix?: string | undefined
  }

const describe = (cause: unknown): string => cause instanceof Error ? cause.message : String(cause)

/**
 * Open (or adopt) a connection for the lifetime of the scope. Never fails: when Redis cannot be reached the
 * connection starts unhealthy, says so once, and keeps reconnecting in the background.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: ConnectionOptions): Effect.Effect<Service, never, Scope.Scope> =>
  Effect.gen(function*() {
    const prefix = options.prefix ?? defaultPrefix
    const owned = !("client" in options)
    const client = "client" in options
      ? options.client
      : yield* Effect.acquireRelease(
        Effect.sync(() =>
          new Redis(Redacted.isRedacted(options.url) ? Redacted.value(options.url) : options.url, {
            ...defaultRedisOptions,
            ...options.redisOptions
          })
        ),
        (client) =>
          Effect.promise(() => client.quit().catch(() => undefined)).pipe(
            Effect.timeout(Duration.seconds(1)),
            Effect.ignore,
            Effect.ensuring(Effect.sync(() => client.disconnect()))
          )
      )
    // Without a listener ioredis prints every connection error; the health flag reports them instead.
    const onError = () => {}
    client.on("error", onError)
    yield* Effect.addFinalizer(() => Effect.sync(() => client.off("error", onError)))

    let healthy = true
    const down = (cause: unknown) =>
      Effect.suspend(() => {
        if (!healthy) return Effect.void
        healthy = false
        return Effect.logWarning(
          `Redis is unreachable (${describe(cause)}): this process falls back to its in-memory gate, ` +
            `rate limiter and retry budget until Redis answers again`
        )
      })
    const up = Effect.suspend(() => {
      if (healthy) return Effect.void
      healthy = true
      return Effect.logInfo("Redis answers again: the gate, rate limiter and retry budget are shared again")
    })

    const use = <A>(f: (client: Redis) => Promise<A>): Effect.Effect<A, RedisUnavailable> =>
      Effect.tryPromise({ try: () => f(client), catch: (cause) => new RedisUnavailable({ cause }) }).pipe(
        Effect.tapBoth({ onFailure: (error) => down(error.cause), onSuccess: () => up })
      )

    const evalScript = (script: Script, keys: ReadonlyArray<string>, args: ReadonlyArray<string | number>) =>
      use((client) =>
        client.evalsha(script.sha, keys.length, ...keys, ...args).catch((error: unknown) => {
          if (error instanceof Error && error.message.startsWith("NOSCRIPT")) {
            return client.eval(script.lua, keys.length, ...keys, ...args)
          }
          throw error
        })
      )

    if (owned && client.status === "wait") {
      yield* use((client) => client.connect()).pipe(
        Effect.timeout(Duration.seconds(2)),
        Effect.catchAll((error) => error._tag === "TimeoutException" ? down(error) : Effect.void)
      )
    }

    return RedisConnection.of({
      client,
      prefix,
      eval: evalScript,
      use,
      healthy: Effect.sync(() => healthy)
    })
  })

/**
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: ConnectionOptions): Layer.Layer<RedisConnection> =>
  Layer.scoped(RedisConnection, make(options))

/**
 * The connection from `REDIS_URL` (default `redis://127.0.0.1:6379`) and, when set, `REDIS_PREFIX`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = (
  options: { readonly redisOptions?: RedisOptions | undefined } = {}
): Layer.Layer<RedisConnection, ConfigError.ConfigError> =>
  Layer.scoped(
    RedisConnection,
    Effect.flatMap(configOptions, (config) => make({ ...config, ...options }))
  )

/**
 * The URL and prefix as `Config`: `REDIS_URL` (redacted, default `redis://127.0.0.1:6379`) and `REDIS_PREFIX`
 * (default `trackingmore:`).
 *
 * @since 0.1.0
 * @category config
 */
export const configOptions: Config.Config<{ readonly url: Redacted.Redacted<string>; readonly prefix: string }> =
  Config.all({
    url: Config.redacted("REDIS_URL").pipe(Config.withDefault(Redacted.make("redis://127.0.0.1:6379"))),
    prefix: Config.string("REDIS_PREFIX").pipe(Config.withDefault(defaultPrefix))
  })
