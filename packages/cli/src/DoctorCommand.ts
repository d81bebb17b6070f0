/**
 * `trackingmore doctor`: what a team needs before going live, checked with the key of `TRACKINGMORE_API_KEY`
 * (at `TRACKINGMORE_BASE_URL`, with the gate of `REDIS_URL` when it is set). Exit code 0 when all is well;
 * otherwise 1, and one sentence per problem on standard error.
 *
 * The doctor reads the shared gate but never changes it: its own calls go through a gate of its own, and it
 * makes none while the key cools or is halted (a call then would only wait, or fail, and tell nothing new).
 *
 * @since 0.1.0
 */
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as TrackingMoreClient from "@trackingmore-effect/client/TrackingMoreClient"
import * as ApiKey from "@trackingmore-effect/core/ApiKey"
import * as RedisConnection from "@trackingmore-effect/redis/RedisConnection"
import * as RedisGate from "@trackingmore-effect/redis/RedisGate"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import * as Option from "effect/Option"
import * as Decisions from "./Decisions.js"
import * as Env from "./Env.js"
import * as GateCommand from "./GateCommand.js"
import * as Output from "./Output.js"
import * as Stop from "./Stop.js"

/**
 * One check and what it found.
 *
 * @since 0.1.0
 * @category models
 */
export interface Check {
  readonly name: string
  readonly ok: boolean
  /** What was found, in a few words. */
  readonly detail: string
  /** The problem in a sentence, when there is one. */
  readonly problem?: string | undefined
}

/** Slower than this, a call of the cheapest kind is a problem worth a sentence. */
const slowMillis = 3000

const rate = (limit: TrackingMoreClient.RateLimit): string => {
  const seconds = Decisions.formatDuration(limit.window)
  return seconds === "1s" ? `${limit.limit}/s` : `${limit.limit} per ${seconds}`
}

const doctor = Command.make(
  "doctor",
  {
    prefix: Options.text("prefix").pipe(
      Options.withPseudoName("prefix"),
      Options.withDescription(`the gate's key prefix in Redis (default: REDIS_PREFIX, else ${RedisConnection.defaultPrefix})`),
      Options.optional
    ),
    json: Options.boolean("json").pipe(Options.withDescription("print JSON instead of text"))
  },
  (args) =>
    Effect.scoped(Effect.gen(function*() {
      const name = "trackingmore doctor"
      const apiKey = yield* Env.apiKey(name, "the doctor checks the key your services use")
      const fingerprint = yield* ApiKey.fingerprint(apiKey)
      const baseUrl = Env.baseUrl() ?? TrackingMoreClient.defaultBaseUrl
      const options: TrackingMoreClient.ClientOptions = { apiKey, baseUrl, policy: { deadline: "30 seconds" } }
      const checks: Array<Check> = []

      const valid = TrackingMoreClient.validateOptions(options)
      if (Either.isLeft(valid)) {
        const option = valid.left.option === "baseUrl" ? "TRACKINGMORE_BASE_URL" : valid.left.option
        checks.push({
          name: "configuration",
          ok: false,
          detail: "not usable",
          problem: `The configuration cannot be used: ${option}: ${valid.left.message}.`
        })
      }

      // The gate first: while the key cools or is halted the doctor sends nothing.
      let blocked = false
      const redisUrl = process.env.REDIS_URL
      if (redisUrl !== undefined && redisUrl.trim() !== "") {
        const where = `Redis ${Env.showUrl(redisUrl)}`
        const connection = yield* RedisConnection.make({
          url: redisUrl.trim(),
          prefix: Env.redisPrefix(Option.getOrUndefined(args.prefix), RedisConnection.defaultPrefix)
        })
        const status = yield* RedisGate.status(fingerprint).pipe(
          Effect.provideService(RedisConnection.RedisConnection, connection),
          Effect.either
        )
        if (Either.isLeft(status)) {
          checks.push({
            name: "gate",
            ok: false,
            detail: `${where} does not answer`,
            problem: `Redis at ${Env.showUrl(redisUrl)} does not answer (REDIS_URL): every process falls back to a gate ` +
              "of its own, and a 429 then cools only the process that got it."
          })
        } else {
          const state = GateCommand.describeState(status.right, Date.now())
          blocked = status.right.halt !== undefined || status.right.coolingUntil !== undefined
          checks.push({
            name: "gate",
            ok: !blocked,
            detail: `(${where}, prefix ${connection.prefix}) ${state}`,
            problem: !blocked
              ? undefined
              : status.right.halt !== undefined
              ? `The key is ${state}. Once the cause is fixed, lift it with: trackingmore gate reset --key-from-env.`
              : `The key is ${state}: every process on it waits until then.`
          })
        }
      } else {
        checks.push({
          name: "gate",
          ok: true,
          detail: "in memory: each process has a gate of its own (set REDIS_URL to share it, and to see it here)"
        })
      }

      if (Either.isRight(valid) && !blocked) {
        const client = yield* TrackingMoreClient.make(options).pipe(Effect.provide(FetchHttpClient.layer), Effect.orDie)
        const started = Date.now()
        const user = yield* Effect.either(client.userInfo)
        const millis = Date.now() - started
        if (Either.isLeft(user)) {
          const error = user.left
          const reached = error._tag !== "TransportError" && error._tag !== "DeadlineExceeded"
          checks.unshift({
            name: "key",
            ok: false,
            detail: `${error._tag} (${error.code})`,
            problem: reached
              ? `The key does not work at ${Env.showUrl(baseUrl)}: TrackingMore answers ${error.code} ${error._tag}: ${error.message}`
              : `TrackingMore cannot be reached at ${Env.showUrl(baseUrl)}: ${error.message}`
          })
        } else {
          const info = user.right
          // The account's email is the key that signs its webhooks: it is never printed, only whether it is set.
          const who = [
            info.userId === null || info.userId === undefined ? undefined : `user ${info.userId}`,
            info.email === null || info.email === undefined ? undefined : "an email on file"
          ].filter((part) => part !== undefined).join(", ")
          checks.unshift(
            { name: "key", ok: true, detail: `it works${who === "" ? "" : ` (${who})`}` },
            info.balance === null || info.balance === undefined
              ? { name: "balance", ok: true, detail: "none reported (the account has no balance limit)" }
              : info.balance <= 0
              ? {
                name: "balance",
                ok: false,
                detail: String(info.balance),
                problem: `The balance is ${info.balance}: creating trackings fails with 4019 InsufficientBalance ` +
                  "until the account is topped up."
              }
              : { name: "balance", ok: true, detail: `${info.balance} left` },
            millis > slowMillis
              ? {
                name: "latency",
                ok: false,
                detail: `${millis} ms`,
                problem: `The cheapest call (GET /trackings/getuserinfo) took ${Decisions.formatRough(millis)}: ` +
                  "check the network path to TrackingMore."
              }
              : { name: "latency", ok: true, detail: `GET /trackings/getuserinfo answered in ${millis} ms` }
          )
        }
      } else if (blocked) {
        checks.unshift({ name: "key", ok: true, detail: "not called while the key cannot be used (see the gate)" })
      }
      const limits = TrackingMoreClient.defaultRateLimits
      checks.push({
        name: "rate limits",
        ok: true,
        detail: `the client keeps to default ${rate(limits.default)}, realtime ${rate(limits.realtime)}, ` +
          `list ${rate(limits.list)} per key` +
          (redisUrl === undefined || redisUrl.trim() === "" ? " (per process without REDIS_URL)" : "")
      })

      const problems = checks.flatMap((check) => check.problem === undefined ? [] : [check.problem])
      if (args.json) {
        yield* Console.log(Output.json({ fingerprint, baseUrl: Env.showUrl(baseUrl), checks, problems }))
      } else {
        const paint = Output.stdout
        yield* Console.log([
          `${paint.bold("trackingmore doctor")}: key ${fingerprint} at ${Env.showUrl(baseUrl)}`,
          "",
          ...checks.map((check) =>
            Output.wrap(
              `${check.ok ? paint.green("ok") : paint.red("✗")} ${paint.bold(check.name)}: ${check.detail}`,
              { indent: 4, first: 0 }
            )
          ),
          "",
          problems.length === 0
            ? "All is well."
            : `${problems.length} problem${problems.length === 1 ? "" : "s"} (on standard error).`
        ].join("\n"))
      }
      if (problems.length > 0) return yield* Stop.failed(...problems)
    }).pipe(Logger.withMinimumLogLevel(LogLevel.None)))
).pipe(Command.withDescription(
  "Check what a team needs before going live: the key works, the balance, the latency of a cheap call, the rate " +
    "limits and the key's gate (in Redis with REDIS_URL)."
))

/**
 * @since 0.1.0
 * @category commands
 */
export const command = doctor
