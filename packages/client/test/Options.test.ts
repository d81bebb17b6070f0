import { assert, describe, it } from "@effect/vitest"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as TestClock from "effect/TestClock"
import * as TrackingMoreClient from "../src/TrackingMoreClient.js"
import { envelope, fake } from "./utils/http.js"

/** An HttpClient that answers every request with an empty carrier list and records it. */
const answering = () => fake(() => envelope(200, []))

const apiKey = Redacted.make("unit-test-key")

/** The option named by the error `make` fails with, or a failed assertion. */
const invalidOption = (options: TrackingMoreClient.ClientOptions) =>
  Effect.gen(function*() {
    const error = yield* Effect.flip(TrackingMoreClient.make(options).pipe(Effect.provide(answering().layer)))
    assert.strictEqual(error._tag, "InvalidOption")
    // The same answer without building anything.
    const checked = yield* Effect.flip(TrackingMoreClient.validateOptions(options))
    assert.strictEqual(checked.option, error.option)
    return error
  })

// Options a plain-JS caller (or a config file) can pass whatever the types say.
const untyped = (options: Record<string, unknown>) => options as unknown as TrackingMoreClient.ClientOptions

describe("client options are checked when the client is made", () => {
  it.effect("batchSize: NaN, 0, 41 and 1.5 are refused, naming the option", () =>
    Effect.gen(function*() {
      for (const batchSize of [NaN, 0, 41, 1.5, -1]) {
        const error = yield* invalidOption({ apiKey, batchSize })
        assert.strictEqual(error.option, "batchSize")
        assert.match(error.message, /^batchSize must be a whole number from 1 to 40, got /)
      }
      const fine = { apiKey, batchSize: 40 }
      assert.deepStrictEqual(TrackingMoreClient.validateOptions(fine), Either.right(fine))
    }))

  it.effect("a rate limit of 0, NaN or below zero, or a window that is no duration, is refused", () =>
    Effect.gen(function*() {
      for (const limit of [0, NaN, -1, 0.5, Infinity]) {
        const error = yield* invalidOption({ apiKey, rateLimits: { default: { limit, window: "1 second" } } })
        assert.strictEqual(error.option, "rateLimits.default.limit")
      }
      for (const window of ["garbage", 0, -5, "0 seconds"]) {
        const error = yield* invalidOption(untyped({ apiKey, rateLimits: { list: { limit: 1, window } } }))
        assert.strictEqual(error.option, "rateLimits.list.window")
      }
      const typo = yield* invalidOption(untyped({ apiKey, rateLimits: { defualt: { limit: 1, window: "1 second" } } }))
      assert.strictEqual(typo.option, "rateLimits.defualt")
    }))

  it.effect("malformed durations name their option, also inside the policy", () =>
    Effect.gen(function*() {
      const timeout = yield* invalidOption(untyped({ apiKey, attemptTimeout: "garbage" }))
      assert.strictEqual(timeout.option, "attemptTimeout")
      assert.include(timeout.message, `got "garbage"`)
      assert.strictEqual((yield* invalidOption({ apiKey, attemptTimeout: 0 })).option, "attemptTimeout")
      const policy = yield* invalidOption(untyped({ apiKey, policy: { serviceUnavailable: { cap: "later" } } }))
      assert.strictEqual(policy.option, "policy.serviceUnavailable.cap")
      const deadline = yield* invalidOption({ apiKey, policy: { deadline: "-1 seconds" } })
      assert.strictEqual(deadline.option, "policy.deadline")
    }))

  it.effect("baseUrl must be an absolute http(s) URL without query or fragment", () =>
    Effect.gen(function*() {
      for (const baseUrl of ["ftp://api.trackingmore.com/v2", "api.trackingmore.com/v2", "", "http://x/v2?a=1", "file:///etc"]) {
        const error = yield* invalidOption({ apiKey, baseUrl })
        assert.strictEqual(error.option, "baseUrl")
      }
      const ftp = yield* invalidOption({ apiKey, baseUrl: "ftp://api.trackingmore.com/v2" })
      assert.include(ftp.message, `the scheme "ftp:"`)
      // Credentials in a URL the user gave are cut out of the message too.
      const bad = yield* invalidOption({ apiKey, baseUrl: "gopher://user:hunter2@host/v2" })
      assert.notInclude(bad.message, "hunter2")
    }))

  it.effect("an empty API key, or one a header cannot carry, is refused without repeating it", () =>
    Effect.gen(function*() {
      const empty = yield* invalidOption({ apiKey: Redacted.make("") })
      assert.strictEqual(empty.option, "apiKey")
      for (const key of ["abc\r\nx-injected: 1", "key\u0000", "clé-é", " padded ", "tab\t"]) {
        const error = yield* invalidOption({ apiKey: Redacted.make(key) })
        assert.strictEqual(error.option, "apiKey")
        assert.notInclude(error.message, key.trim())
      }
      const plain = yield* invalidOption(untyped({ apiKey: "not-redacted" }))
      assert.match(plain.message, /Redacted\.make/)
    }))

  it.effect("an unknown option is refused (a typo would otherwise be ignored)", () =>
    Effect.gen(function*() {
      const error = yield* invalidOption(untyped({ apiKey, batchsize: 10 }))
      assert.strictEqual(error.option, "batchsize")
      assert.match(error.message, /is not an option/)
    }))
})

describe("layerConfig", () => {
  const provide = (map: ReadonlyArray<readonly [string, string]>) =>
    Layer.setConfigProvider(ConfigProvider.fromMap(new Map(map)))

  const run = (layer: ReturnType<typeof TrackingMoreClient.layerConfig>, env: ReadonlyArray<readonly [string, string]>) => {
    const http = answering()
    return Effect.gen(function*() {
      const exit = yield* Effect.exit(
        Effect.flatMap(TrackingMoreClient.TrackingMoreClient, (client) => client.carriers).pipe(
          Effect.provide(layer.pipe(Layer.provide(http.layer), Layer.provide(provide(env))))
        )
      )
      return { exit, requests: http.requests }
    })
  }

  it.effect("layerConfig() and layerConfig({}) build a client from the environment (they used to throw)", () =>
    Effect.gen(function*() {
      const env = [["TRACKINGMORE_API_KEY", "from-env"], ["TRACKINGMORE_BASE_URL", "http://env.test/v2"]] as const
      for (const layer of [TrackingMoreClient.layerConfig(), TrackingMoreClient.layerConfig({})]) {
        const { exit, requests } = yield* run(layer, env)
        assert.deepStrictEqual(exit, Exit.succeed([]))
        assert.strictEqual(requests[0]!.url, "http://env.test/v2/carriers")
        assert.strictEqual(requests[0]!.headers["trackingmore-api-key"], "from-env")
      }
      // Nested empty objects and absent options are fine too.
      const nested = TrackingMoreClient.layerConfig({ rateLimits: {}, policy: {} })
      assert.deepStrictEqual((yield* run(nested, env)).exit, Exit.succeed([]))
    }))

  it.effect("without the key, or with an empty one or a bad base URL, it fails with a ConfigError naming the variable", () =>
    Effect.gen(function*() {
      const missing = yield* run(TrackingMoreClient.layerConfig(), [])
      assert.include(String(yield* Effect.flip(missing.exit)), "TRACKINGMORE_API_KEY")
      const empty = yield* run(TrackingMoreClient.layerConfig(), [["TRACKINGMORE_API_KEY", "  "]])
      assert.include(String(yield* Effect.flip(empty.exit)), "TRACKINGMORE_API_KEY must not be empty")
      const ftp = yield* run(TrackingMoreClient.layerConfig(), [
        ["TRACKINGMORE_API_KEY", "k"],
        ["TRACKINGMORE_BASE_URL", "ftp://x"]
      ])
      assert.include(String(yield* Effect.flip(ftp.exit)), "TRACKINGMORE_BASE_URL must be an http(s) URL")
      assert.strictEqual(missing.requests.length + empty.requests.length + ftp.requests.length, 0)
    }))
})

describe("every wait is bounded by the call's deadline", () => {
  it.effect("rate-limit waits that would end after the deadline fail at once with DeadlineExceeded", () =>
    Effect.gen(function*() {
      const http = answering()
      const layer = TrackingMoreClient.layer({
        apiKey,
        baseUrl: "http://tm.test/v2",
        rateLimits: { default: { limit: 1, window: "6 seconds" } },
        policy: { deadline: "2 seconds" }
      }).pipe(Layer.provide(http.layer))
      const calls = yield* Effect.forEach(
        [1, 2, 3],
        () => Effect.fork(Effect.exit(Effect.flatMap(TrackingMoreClient.TrackingMoreClient, (c) => c.carriers))),
        { concurrency: "unbounded" }
      ).pipe(Effect.provide(layer))
      // No clock time passes: the two calls that would have waited 6 s and 12 s fail now, without a request.
      yield* TestClock.adjust("0 millis")
      const exits = yield* Effect.forEach(calls, Fiber.join)
      assert.strictEqual(exits.filter(Exit.isSuccess).length, 1)
      const failures = exits.flatMap((exit) => Exit.isFailure(exit) && exit.cause._tag === "Fail" ? [exit.cause.error] : [])
      assert.strictEqual(failures.length, 2)
      for (const error of failures) {
        assert.strictEqual(error._tag, "DeadlineExceeded")
        if (error._tag === "DeadlineExceeded") assert.strictEqual(error.waitingFor, "rate-limit")
      }
      assert.strictEqual(http.requests.length, 1)
    }))
})
