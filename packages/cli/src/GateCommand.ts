/**
 * `trackingmore gate status | reset | halt`: the gate every process on an API key shares through Redis
 * (`@trackingmore-effect/redis`), by key fingerprint. The API key itself is never needed nor printed:
 * `--key-from-env` computes the fingerprint of `TRACKINGMORE_API_KEY` as the client does.
 *
 * @since 0.1.0
 */
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as TrackingMoreError from "@trackingmore-effect/core/TrackingMoreError"
import * as RedisConnection from "@trackingmore-effect/redis/RedisConnection"
import * as RedisGate from "@trackingmore-effect/redis/RedisGate"
import * as Console from "effect/Console"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import { hostname, userInfo } from "node:os"
import * as Decisions from "./Decisions.js"
import * as Env from "./Env.js"
import * as Output from "./Output.js"
import * as Stop from "./Stop.js"

const prefixOption = Options.text("prefix").pipe(
  Options.withPseudoName("prefix"),
  Options.withDescription(
    `the gate's key prefix in Redis (default: REDIS_PREFIX, else ${RedisConnection.defaultPrefix})`
  ),
  Options.optional
)

const keyFromEnv = Options.boolean("key-from-env").pipe(
  Options.withDescription("the fingerprint of TRACKINGMORE_API_KEY, computed as the client computes it")
)

const fingerprintArg = Args.text({ name: "fingerprint" }).pipe(
  Args.withDescription("a key fingerprint (16 hex digits, as `gate status` lists them)"),
  Args.optional
)

const json = Options.boolean("json").pipe(Options.withDescription("print JSON instead of text"))

/** A connection to the Redis of `REDIS_URL` under the prefix, checked to answer, or a sentence saying it does not. */
const connect = (
  command: string,
  prefix: Option.Option<string>
): Effect.Effect<RedisConnection.Service, Stop.Stop, Scope.Scope> =>
  Effect.gen(function*() {
    const url = Env.redisUrl()
    const connection = yield* RedisConnection.make({
      url,
      prefix: Env.redisPrefix(Option.getOrUndefined(prefix), RedisConnection.defaultPrefix)
    })
    yield* connection.use((client) => client.ping()).pipe(
      Effect.mapError((error) =>
        Stop.failed(
          `${command}: Redis at ${Env.showUrl(url)} does not answer (${describeCause(error.cause)}); ` +
            "the gate commands read and change the gate there (set REDIS_URL)."
        )
      )
    )
    return connection
  }).pipe(Logger.withMinimumLogLevel(LogLevel.None))

// ioredis says "Stream isn't writeable" of a connection that never opened: that is, nothing answers there.
const describeCause = (cause: unknown): string => {
  const message = cause instanceof Error ? cause.message : String(cause)
  return message === "" || /Stream isn't writeable|Connection is closed/.test(message) ? "no connection" : message
}

/** The fingerprint of the argument or of `--key-from-env`, exactly one of them. */
const targetKey = (
  command: string,
  fingerprint: Option.Option<string>,
  fromEnv: boolean,
  required: boolean
): Effect.Effect<Option.Option<string>, Stop.Stop> => {
  if (Option.isSome(fingerprint) && fromEnv) {
    return Effect.fail(Stop.usage(`${command}: give a fingerprint or --key-from-env, not both.`))
  }
  if (fromEnv) return Effect.map(Env.fingerprintFromEnv(command), Option.some)
  if (Option.isSome(fingerprint)) {
    const key = fingerprint.value.trim()
    return /^[0-9a-f]{16}$/.test(key)
      ? Effect.succeed(Option.some(key))
      : Effect.fail(Stop.usage(`${command}: "${fingerprint.value}" is not a key fingerprint (16 hex digits, as \`trackingmore gate status\` lists them).`))
  }
  return required
    ? Effect.fail(Stop.usage(
      `${command}: which key? Give its fingerprint (\`trackingmore gate status\` lists them) or --key-from-env.`
    ))
    : Effect.succeed(Option.none())
}

const at = (epochMs: number, now: number): string =>
  `${new Date(epochMs).toISOString()} (${epochMs >= now ? "in" : "for"} ${Decisions.formatRough(Math.abs(epochMs - now))}${epochMs >= now ? "" : " already"})`

/**
 * A key's gate in a sentence: open, cooling until, halted (and why).
 *
 * @since 0.1.0
 * @category formatting
 */
export const describeState = (status: RedisGate.KeyStatus, now: number): string => {
  if (status.halt !== undefined) {
    const until = status.halt.until === undefined
      ? "until it is reset"
      : `until ${at(status.halt.until, now)}`
    return `halted ${until} by ${status.halt.error._tag} (${status.halt.error.code}): ${status.halt.error.message}`
  }
  if (status.coolingUntil !== undefined) return `cooling after a 429 until ${at(status.coolingUntil, now)}`
  return "open"
}

const ttls = (status: RedisGate.KeyStatus): string => {
  const parts = Object.entries(status.ttls)
    .filter(([, ttl]) => ttl !== undefined)
    .map(([name, ttl]) => `${name} ${ttl === -1 ? "no expiry" : Decisions.formatRough(ttl!)}`)
  return parts.length === 0 ? "—" : parts.join(", ")
}

const probe = (status: RedisGate.KeyStatus): string =>
  status.probeLease !== undefined
    ? `in flight (lease ${Decisions.formatRough(status.probeLease)})`
    : status.probeNeeded
    ? "needed"
    : "—"

const statusJson = (status: RedisGate.KeyStatus) => ({
  key: status.key,
  state: status.halt !== undefined ? "halted" : status.coolingUntil !== undefined ? "cooling" : "open",
  coolingUntil: status.coolingUntil === undefined ? null : new Date(status.coolingUntil).toISOString(),
  halt: status.halt === undefined ? null : {
    tag: status.halt.error._tag,
    code: status.halt.error.code,
    message: status.halt.error.message,
    until: status.halt.until === undefined ? null : new Date(status.halt.until).toISOString()
  },
  probe: { needed: status.probeNeeded, leaseTtlMs: status.probeLease ?? null },
  extendsPenalty: status.extendsPenalty,
  resetAt: status.resetAt === undefined ? null : new Date(status.resetAt).toISOString(),
  ttlMs: status.ttls
})

const statusCommand = Command.make(
  "status",
  { fingerprint: fingerprintArg, keyFromEnv, prefix: prefixOption, json },
  (args) =>
    Effect.scoped(Effect.gen(function*() {
      const name = "trackingmore gate status"
      const target = yield* targetKey(name, args.fingerprint, args.keyFromEnv, false)
      const redis = yield* connect(name, args.prefix)
      const statuses = yield* (Option.isSome(target) ? Effect.map(RedisGate.status(target.value), (s) => [s]) : RedisGate.list).pipe(
        Effect.provideService(RedisConnection.RedisConnection, redis),
        Effect.mapError((error) => Stop.failed(`${name}: Redis stopped answering (${describeCause(error.cause)}).`))
      )
      if (args.json) {
        return yield* Console.log(Output.json({ prefix: redis.prefix, keys: statuses.map(statusJson) }))
      }
      const paint = Output.stdout
      const now = Date.now()
      const where = `under the prefix ${redis.prefix} on ${Env.showUrl(Env.redisUrl())}`
      if (statuses.length === 0) {
        return yield* Console.log(`No key has a gate ${where}: every key is open.`)
      }
      const state = (s: RedisGate.KeyStatus) =>
        s.halt !== undefined
          ? paint.red(`halted (${s.halt.error._tag})`)
          : s.coolingUntil !== undefined
          ? paint.yellow("cooling")
          : paint.green("open")
      const until = (s: RedisGate.KeyStatus) =>
        s.halt !== undefined
          ? s.halt.until === undefined ? "until reset" : at(s.halt.until, now)
          : s.coolingUntil !== undefined
          ? at(s.coolingUntil, now)
          : s.resetAt !== undefined
          ? `reset ${Decisions.formatRough(Math.max(0, now - s.resetAt))} ago`
          : "—"
      const lines = [
        `Gates ${where}:`,
        "",
        Output.table(
          ["FINGERPRINT", "STATE", "UNTIL", "PROBE", "TTL"],
          statuses.map((s) => [s.key, state(s), until(s), probe(s), ttls(s)]),
          { paint }
        )
      ]
      const halted = statuses.filter((s) => s.halt !== undefined)
      if (halted.length > 0) {
        lines.push("")
        for (const s of halted) lines.push(Output.wrap(`${s.key} is ${describeState(s, now)}`, { indent: 2 }))
      }
      const extending = statuses.filter((s) => s.extendsPenalty)
      if (extending.length > 0) {
        lines.push("")
        for (const s of extending) {
          lines.push(Output.wrap(
            `${s.key}: the server extends its penalty while requests arrive during it (a probe was answered 429 ` +
              `before the penalty's echoes had ended), so every 429 on this key now moves the cooldown; ` +
              `\`trackingmore gate reset\` forgets it.`,
            { indent: 2 }
          ))
        }
      }
      yield* Console.log(lines.join("\n"))
    }))
).pipe(Command.withDescription(
  "Every key fingerprint's gate in Redis: its cooldown, its halt and why, its probe lease and the TTLs."
))

const resetCommand = Command.make(
  "reset",
  { fingerprint: fingerprintArg, keyFromEnv, prefix: prefixOption },
  (args) =>
    Effect.scoped(Effect.gen(function*() {
      const name = "trackingmore gate reset"
      const key = Option.getOrThrow(yield* targetKey(name, args.fingerprint, args.keyFromEnv, true))
      const redis = yield* connect(name, args.prefix)
      const provided = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
        Effect.provideService(effect, RedisConnection.RedisConnection, redis)
      const lost = (error: RedisConnection.RedisUnavailable) =>
        Stop.failed(`${name}: Redis stopped answering (${describeCause(error.cause)}); the key may not be reset.`)
      const now = Date.now()
      const before = yield* provided(RedisGate.status(key)).pipe(Effect.mapError(lost))
      const gate = yield* provided(RedisGate.make())
      yield* gate.reset(key)
      const after = yield* provided(RedisGate.status(key)).pipe(Effect.mapError(lost))
      if (after.halt !== undefined || after.coolingUntil !== undefined) {
        return yield* Stop.failed(`${name}: ${key} is still ${describeState(after, Date.now())}: Redis did not take the reset.`)
      }
      const was = describeState(before, now)
      yield* Console.log(
        was === "open"
          ? `${key} was open: nothing to lift. It stays open for every process.`
          : `${key} was ${was}.\nIt is open now for every process that shares the gate.`
      )
    }).pipe(Logger.withMinimumLogLevel(LogLevel.None)))
).pipe(Command.withDescription(
  "Lift a key's halt and cooldown for every process, e.g. once the billing problem behind a halt is fixed."
))

/**
 * Reads a duration: `90s`, `30m`, `2h`, `1d`, `500ms`, or `30 minutes`.
 *
 * @since 0.1.0
 * @category parsing
 */
export const parseDuration = (text: string): Option.Option<Duration.Duration> => {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|millis|milliseconds?|s|secs?|seconds?|m|mins?|minutes?|h|hours?|d|days?)\s*$/i.exec(text)
  if (match === null) return Option.none()
  const n = Number(match[1])
  const unit = match[2]!.toLowerCase()
  const ms = unit.startsWith("ms") || unit.startsWith("milli")
    ? n
    : unit.startsWith("s")
    ? n * 1000
    : unit.startsWith("m")
    ? n * 60_000
    : unit.startsWith("h")
    ? n * 3_600_000
    : n * 86_400_000
  return ms > 0 ? Option.some(Duration.millis(ms)) : Option.none()
}

const haltCommand = Command.make(
  "halt",
  {
    fingerprint: fingerprintArg,
    keyFromEnv,
    prefix: prefixOption,
    reason: Options.text("reason").pipe(
      Options.withPseudoName("text"),
      Options.withDescription("why: every call on the key fails with it, and `gate status` shows it"),
      Options.optional
    ),
    for: Options.text("for").pipe(
      Options.withPseudoName("duration"),
      Options.withDescription("how long, e.g. 30m, 2h (default: until `gate reset`, kept at most a day in Redis)"),
      Options.optional
    )
  },
  (args) =>
    Effect.scoped(Effect.gen(function*() {
      const name = "trackingmore gate halt"
      const key = Option.getOrThrow(yield* targetKey(name, args.fingerprint, args.keyFromEnv, true))
      const reason = Option.getOrUndefined(args.reason)?.trim()
      if (reason === undefined || reason === "") {
        return yield* Stop.usage(`${name}: say why with --reason (e.g. --reason "incident 42: stop all calls"); every call on the key fails with it.`)
      }
      const duration = Option.isNone(args.for) ? undefined : parseDuration(args.for.value)
      if (duration !== undefined && Option.isNone(duration)) {
        return yield* Stop.usage(`${name}: --for "${Option.getOrElse(args.for, () => "")}" is not a duration (e.g. 90s, 30m, 2h, 1d).`)
      }
      const redis = yield* connect(name, args.prefix)
      const provided = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
        Effect.provideService(effect, RedisConnection.RedisConnection, redis)
      const who = `${safe(() => userInfo().username)}@${safe(() => hostname())}`
      // An operator's halt stops the key like an access denial: callers get it as Forbidden, with the reason.
      const error = new TrackingMoreError.Forbidden({
        code: 403,
        message: `The key was halted for every process by ${who} with \`trackingmore gate halt\`: ${reason}`
      })
      const gate = yield* provided(RedisGate.make())
      yield* gate.halt(key, error, duration === undefined ? undefined : duration.value)
      const after = yield* provided(RedisGate.status(key)).pipe(
        Effect.mapError((e) => Stop.failed(`${name}: Redis stopped answering (${describeCause(e.cause)}); the key may not be halted.`))
      )
      if (after.halt === undefined) return yield* Stop.failed(`${name}: Redis did not take the halt of ${key}.`)
      yield* Console.log(
        `${key} is ${describeState(after, Date.now())}\n` +
          `Every process that shares the gate fails its calls on the key at once, without sending them. Lift it with: trackingmore gate reset ${key}`
      )
    }).pipe(Logger.withMinimumLogLevel(LogLevel.None)))
).pipe(Command.withDescription(
  "Stop a key for every process that shares the gate (e.g. during an incident): their calls fail at once."
))

const safe = (f: () => string): string => {
  try {
    return f()
  } catch {
    return "unknown"
  }
}

/**
 * @since 0.1.0
 * @category commands
 */
export const gate = Command.make("gate").pipe(
  Command.withDescription("The gate every process on an API key shares through Redis (REDIS_URL), by key fingerprint"),
  Command.withSubcommands([statusCommand, resetCommand, haltCommand])
)
