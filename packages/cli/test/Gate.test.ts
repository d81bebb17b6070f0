import { describe, expect, it } from "@effect/vitest"
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as TrackingMoreClient from "@trackingmore-effect/client/TrackingMoreClient"
import * as RedisConnection from "@trackingmore-effect/redis/RedisConnection"
import * as RedisGate from "@trackingmore-effect/redis/RedisGate"
import * as Simulator from "@trackingmore-effect/simulator/Simulator"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { afterAll } from "vitest"
import { cleanup, lines, oneSentence, redisAvailable, redisUrl, trackingmore, uniquePrefix } from "./utils.js"

const available = await redisAvailable()
const prefix = uniquePrefix("gate")
const timedPrefix = uniquePrefix("gate-timed")
afterAll(() => Promise.all([cleanup(prefix), cleanup(timedPrefix)]))

const apiKey = "sim-key-1"
const env = { REDIS_URL: redisUrl, REDIS_PREFIX: prefix, TRACKINGMORE_API_KEY: apiKey }

interface StatusJson {
  readonly prefix: string
  readonly keys: ReadonlyArray<{
    readonly key: string
    readonly state: string
    readonly halt: { readonly tag: string; readonly message: string } | null
    readonly coolingUntil: string | null
  }>
}

describe.skipIf(!available).concurrent("trackingmore gate, against the real Redis and a real client", () => {
  it.scopedLive("a client's 429 shows as its key's cooldown; halt stops the client's calls unsent; reset lets them go", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator.start({ faults: { scripted: { userInfo: ["429"] } } })
      // the client shares the gate through Redis under the test's prefix, as a fleet does
      const services = yield* Layer.build(
        RedisGate.layer().pipe(Layer.provide(RedisConnection.layer({ url: redisUrl, prefix })), Layer.merge(FetchHttpClient.layer))
      )
      const client = yield* TrackingMoreClient.make({ apiKey: Redacted.make(apiKey), baseUrl: sim.baseUrl, policy: { deadline: "5 seconds" } }).pipe(
        Effect.provide(services)
      )
      const first = yield* Effect.either(client.userInfo)
      expect(Either.isLeft(first) && first.left._tag).toBe("TooManyRequests")

      // --key-from-env finds the client's own fingerprint: the key is cooling
      const cooling = yield* trackingmore(["gate", "status", "--key-from-env", "--json"], env)
      expect(cooling.code).toBe(0)
      const cooled = JSON.parse(cooling.stdout) as StatusJson
      expect(cooled.keys).toHaveLength(1)
      expect(cooled.keys[0]!.state, cooling.stdout).toBe("cooling")
      const fingerprint = cooled.keys[0]!.key
      expect(fingerprint).toMatch(/^[0-9a-f]{16}$/)
      const until = Date.parse(cooled.keys[0]!.coolingUntil!)
      expect(until - Date.now()).toBeGreaterThan(100_000)

      const halt = yield* trackingmore(["gate", "halt", fingerprint, "--reason", "incident 42"], env)
      expect(halt.code).toBe(0)
      expect(lines(halt.stdout)[0]).toMatch(
        new RegExp(`^${fingerprint} is halted until it is reset by Forbidden \\(403\\): The key was halted for every process by .+ with \`trackingmore gate halt\`: incident 42$`)
      )
      const table = yield* trackingmore(["gate", "status"], env)
      expect(table.code).toBe(0)
      expect(lines(table.stdout)[0]).toBe(`Gates under the prefix ${prefix} on ${redisUrl}:`)
      expect(lines(table.stdout)[2]).toMatch(/^FINGERPRINT\s+STATE\s+UNTIL\s+PROBE\s+TTL$/)
      expect(lines(table.stdout)[3]).toMatch(new RegExp(`^${fingerprint}  halted \\(Forbidden\\)  until reset\\s+\\S.*halt 23h 59m`))
      expect(table.stdout).toContain("incident 42")

      // the halt holds every process's calls: the client fails at once, nothing is sent
      const sent = sim.log().length
      const refused = yield* Effect.either(client.userInfo)
      expect(Either.isLeft(refused) && refused.left._tag).toBe("Forbidden")
      expect(Either.isLeft(refused) && refused.left.message).toContain("incident 42")
      expect(sim.log().length).toBe(sent)

      const reset = yield* trackingmore(["gate", "reset", "--key-from-env"], env)
      expect(reset.code).toBe(0)
      expect(lines(reset.stdout)).toEqual([
        expect.stringMatching(new RegExp(`^${fingerprint} was halted until it is reset by Forbidden`)),
        "It is open now for every process that shares the gate."
      ])
      const after = yield* Effect.either(client.userInfo)
      expect(Either.isRight(after)).toBe(true)

      // the key itself never appears in what the commands print
      for (const run of [cooling, halt, table, reset]) expect(run.stdout + run.stderr).not.toContain(apiKey)
    }), 60_000)

  it.live("a key whose server was seen extending its penalty says so, in text and in JSON", () =>
    Effect.gen(function*() {
      const learnedPrefix = uniquePrefix("gate-extends")
      const key = "00000000000000cc"
      const gate = RedisGate.make().pipe(
        Effect.provideServiceEffect(RedisConnection.RedisConnection, RedisConnection.make({ url: redisUrl, prefix: learnedPrefix }))
      )
      yield* Effect.scoped(Effect.gen(function*() {
        const g = yield* gate
        const now = Date.now()
        // a penalty that ends in 50 ms, an echo of it that asked for 10 s, then a request sent after the cooldown
        // ended (before the echo's end) answered 429: the server extends
        yield* g.cooldown(key, now + 50, { sentAt: now - 10 })
        yield* g.cooldown(key, now + 10_000, { sentAt: now - 5 })
        yield* Effect.sleep("80 millis")
        const later = Date.now()
        yield* g.cooldown(key, later + 10_000, { sentAt: later })
      }))
      const text = yield* trackingmore(["gate", "status", key], { ...env, REDIS_PREFIX: learnedPrefix })
      expect(text.code).toBe(0)
      expect(text.stdout).toContain(`${key}: the server extends its penalty while requests arrive during it`)
      const json = yield* trackingmore(["gate", "status", key, "--json"], { ...env, REDIS_PREFIX: learnedPrefix })
      expect((JSON.parse(json.stdout) as { keys: ReadonlyArray<{ extendsPenalty: boolean }> }).keys[0]?.extendsPenalty)
        .toBe(true)
      yield* Effect.promise(() => cleanup(learnedPrefix))
    }), 90_000)

  it.live("a timed halt, and a prefix without any gate", () =>
    Effect.gen(function*() {
      const timed = yield* trackingmore(["gate", "halt", "00000000000000aa", "--reason", "migration", "--for", "30m"], {
        ...env,
        REDIS_PREFIX: timedPrefix
      })
      expect(timed.code).toBe(0)
      expect(lines(timed.stdout)[0]).toMatch(/^00000000000000aa is halted until \S+Z \(in (29m 59s|30m)\) by Forbidden/)
      const empty = yield* trackingmore(["gate", "status"], { ...env, REDIS_PREFIX: uniquePrefix("empty") })
      expect(empty.code).toBe(0)
      expect(empty.stdout).toMatch(/^No key has a gate under the prefix tm-cli-test:empty:\S+ on redis:\/\/\S+: every key is open\.\n$/)
    }), 30_000)

  it.live("bad input is one sentence: no key given, a key that is no fingerprint, no reason, a bad duration, a missing TRACKINGMORE_API_KEY", () =>
    Effect.gen(function*() {
      const cases: ReadonlyArray<readonly [ReadonlyArray<string>, Record<string, string>, string]> = [
        [["gate", "reset"], env, "trackingmore gate reset: which key? Give its fingerprint (`trackingmore gate status` lists them) or --key-from-env.\n"],
        [["gate", "reset", "nothex"], env, "trackingmore gate reset: \"nothex\" is not a key fingerprint (16 hex digits, as `trackingmore gate status` lists them).\n"],
        [["gate", "halt", "00000000000000B", "--reason", "x"], env, "trackingmore gate halt: \"00000000000000B\" is not a key fingerprint (16 hex digits, as `trackingmore gate status` lists them).\n"],
        [["gate", "halt", "00000000000000bb"], env, "trackingmore gate halt: say why with --reason (e.g. --reason \"incident 42: stop all calls\"); every call on the key fails with it.\n"],
        [["gate", "halt", "00000000000000bb", "--reason", "x", "--for", "soon"], env, "trackingmore gate halt: --for \"soon\" is not a duration (e.g. 90s, 30m, 2h, 1d).\n"],
        [["gate", "status", "--key-from-env"], { REDIS_URL: redisUrl }, "trackingmore gate status: TRACKINGMORE_API_KEY is not set; --key-from-env computes the fingerprint of that key.\n"]
      ]
      for (const [args, given, message] of cases) {
        const run = yield* trackingmore(args, given)
        expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 2, stderr: message })
      }
    }), 60_000)
})

describe.concurrent("trackingmore gate without Redis", () => {
  it.live("Redis unreachable: one sentence naming the URL, exit code 1", () =>
    Effect.gen(function*() {
      const run = yield* trackingmore(["gate", "status"], { REDIS_URL: "redis://:secret@127.0.0.1:1" })
      expect(run.code).toBe(1)
      expect(run.stdout).toBe("")
      oneSentence(run.stderr)
      expect(run.stderr).toMatch(/^trackingmore gate status: Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:1 does not answer \(.+\); the gate commands read and change the gate there \(set REDIS_URL\)\.\n$/)
      expect(run.stderr).not.toContain("secret")
    }), 30_000)
})
