import type * as HttpApp from "@effect/platform/HttpApp"
import * as HttpServer from "@effect/platform/HttpServer"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as fc from "effect/FastCheck"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import * as Redacted from "effect/Redacted"
import * as TestClock from "effect/TestClock"
import { createHmac } from "node:crypto"
import { createServer, request } from "node:http"
import { inspect } from "node:util"
import type * as Tracking from "../src/Tracking.js"
import * as Webhook from "../src/Webhook.js"

const emailText = "ops+webhooks@example.com"
const email = Redacted.make(emailText)
const options: Webhook.VerifyOptions = { email }

/** The v2 signature, computed independently of the code under test (node:crypto, as PHP's hash_hmac). */
const hmac = (key: string, timeStr: string) => createHmac("sha256", key).update(timeStr).digest("hex")

const wireTracking = (overrides: Record<string, unknown> = {}) => ({
  id: "9a1b",
  tracking_number: "1Z999AA10123456784",
  carrier_code: "ups",
  status: "transit",
  updated_at: "2026-03-01T10:00:00.000Z",
  lastUpdateTime: "2026-03-01 10:00:00",
  origin_info: { trackinfo: [{ Date: "2026-03-01 10:00:00", StatusDescription: "In transit" }] },
  ...overrides
})

/** A delivery as TrackingMore sends it, signed with `key` (default: the account's email). */
const delivery = (
  options: { readonly data?: unknown; readonly timeStr?: string | number; readonly key?: string } = {}
) => {
  const timeStr = options.timeStr ?? "1772359200"
  return {
    meta: { code: 200, type: "Success", message: "Success" },
    data: options.data ?? wireTracking(),
    verifyInfo: { timeStr, signature: hmac(options.key ?? emailText, String(timeStr)) }
  }
}
const body = (value: unknown) => JSON.stringify(value)

const tagOf = <A>(effect: Effect.Effect<A, Webhook.WebhookError>) => Effect.map(Effect.flip(effect), (e) => e._tag)

describe("Webhook.verify", () => {
  it.effect("accepts a delivery signed with the email, as a string or as bytes", () =>
    Effect.gen(function*() {
      const text = body(delivery())
      const fromText = yield* Webhook.verify(text, options)
      assert.strictEqual(fromText.trackingNumber, "1Z999AA10123456784")
      assert.strictEqual(fromText.carrierCode, "ups")
      assert.strictEqual(fromText.status, "transit")
      assert.strictEqual(fromText.originInfo?.trackinfo?.[0]?.statusDescription, "In transit")
      const fromBytes = yield* Webhook.verify(new TextEncoder().encode(text), options)
      assert.deepStrictEqual(fromBytes, fromText)
      const fromBuffer = yield* Webhook.verify(new TextEncoder().encode(text).buffer, options)
      assert.deepStrictEqual(fromBuffer, fromText)
    }))

  it.effect("accepts a numeric timeStr (signed over its decimal text)", () =>
    Effect.gen(function*() {
      const tracking = yield* Webhook.verify(body(delivery({ timeStr: 1772359200 })), options)
      assert.strictEqual(tracking.status, "transit")
    }))

  it.effect("sign matches node:crypto's HMAC-SHA256 for any email and timeStr", () =>
    Effect.promise(() =>
      fc.assert(
        fc.asyncProperty(fc.string(), fc.string(), async (key, timeStr) => {
          const ours = await Effect.runPromise(Webhook.sign(Redacted.make(key), timeStr))
          assert.strictEqual(ours, hmac(key, timeStr))
        }),
        { numRuns: 50 }
      )
    ))

  it.effect("refuses a signature made with another email", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Webhook.verify(body(delivery({ key: "someone@example.com" })), options))
      assert.strictEqual(error._tag, "InvalidSignature")
      assert.strictEqual(error._tag === "InvalidSignature" && error.reason, "mismatch")
    }))

  it.effect("refuses tampered verification: another timeStr, a changed signature digit, a truncated signature", () =>
    Effect.gen(function*() {
      const signed = delivery()
      const otherTime = { ...signed, verifyInfo: { ...signed.verifyInfo, timeStr: "1772359201" } }
      assert.strictEqual(yield* tagOf(Webhook.verify(body(otherTime), options)), "InvalidSignature")
      const sig = signed.verifyInfo.signature
      const flipped = sig.slice(0, 10) + (sig[10] === "0" ? "1" : "0") + sig.slice(11)
      const otherSig = { ...signed, verifyInfo: { ...signed.verifyInfo, signature: flipped } }
      assert.strictEqual(yield* tagOf(Webhook.verify(body(otherSig), options)), "InvalidSignature")
      const short = { ...signed, verifyInfo: { ...signed.verifyInfo, signature: sig.slice(0, 63) } }
      assert.strictEqual(yield* tagOf(Webhook.verify(body(short), options)), "InvalidSignature")
    }))

  it.effect("v2 signs timeStr only: a changed tracking with valid verifyInfo passes (documented)", () =>
    Effect.gen(function*() {
      const signed = delivery()
      const tampered = { ...signed, data: wireTracking({ status: "delivered" }) }
      const tracking = yield* Webhook.verify(body(tampered), options)
      assert.strictEqual(tracking.status, "delivered")
    }))

  it.effect("refuses a body without verifyInfo, or with one missing a part", () =>
    Effect.gen(function*() {
      const { verifyInfo, ...unsigned } = delivery()
      for (const value of [unsigned, { ...unsigned, verifyInfo: { timeStr: verifyInfo.timeStr } }, {
        ...unsigned,
        verifyInfo: { signature: verifyInfo.signature }
      }, { ...unsigned, verifyInfo: "x" }]) {
        const error = yield* Effect.flip(Webhook.verify(body(value), options))
        assert.strictEqual(error._tag, "InvalidSignature")
        assert.strictEqual(error._tag === "InvalidSignature" && error.reason, "missing")
      }
    }))

  it.effect("refuses malformed bodies, each with its kind", () =>
    Effect.gen(function*() {
      const kinds = [
        ["", "empty"],
        ["  \n", "empty"],
        ["{\"data\":", "invalid-json"],
        ["<html>502</html>", "invalid-json"],
        ["[1,2]", "not-an-object"],
        ["\"text\"", "not-an-object"],
        ["null", "not-an-object"],
        ["42", "not-an-object"],
        [body(delivery({ data: { status: "transit" } })), "invalid-tracking"],
        [body(delivery({ data: "x" })), "invalid-tracking"]
      ] as const
      for (const [text, kind] of kinds) {
        const error = yield* Effect.flip(Webhook.verify(text, options))
        assert.strictEqual(error._tag, "MalformedWebhook", text)
        assert.strictEqual(error._tag === "MalformedWebhook" && error.kind, kind, text)
      }
      const { data: _, ...noData } = delivery()
      const error = yield* Effect.flip(Webhook.verify(body(noData), options))
      assert.strictEqual(error._tag === "MalformedWebhook" && error.kind, "invalid-tracking")
    }))

  it.effect("refuses a body longer than maxBodyBytes, counted in bytes", () =>
    Effect.gen(function*() {
      const text = body(delivery({ data: wireTracking({ comment: "é".repeat(600) }) }))
      const bytes = new TextEncoder().encode(text).length
      assert.isAbove(bytes, text.length)
      const error = yield* Effect.flip(Webhook.verify(text, { email, maxBodyBytes: bytes - 1 }))
      assert.strictEqual(error._tag, "WebhookTooLarge")
      assert.strictEqual(error._tag === "WebhookTooLarge" && error.maxBodyBytes, bytes - 1)
      yield* Webhook.verify(text, { email, maxBodyBytes: bytes })
      const large = body(delivery({ data: wireTracking({ comment: "x".repeat(Webhook.defaultMaxBodyBytes) }) }))
      assert.strictEqual(yield* tagOf(Webhook.verify(large, options)), "WebhookTooLarge")
    }))

  it.effect("maxAge: refuses a timeStr too far from now, seconds or milliseconds; off by default", () =>
    Effect.gen(function*() {
      const now = 1_772_359_200_000
      yield* TestClock.setTime(now)
      const withAge = { email, maxAge: "5 minutes" } as const
      const inSeconds = (s: number) => body(delivery({ timeStr: String(s) }))
      yield* Webhook.verify(inSeconds(now / 1000 - 299), withAge)
      yield* Webhook.verify(body(delivery({ timeStr: now - 299_000 })), withAge)
      yield* Webhook.verify(inSeconds(now / 1000 + 60), withAge)
      const old = yield* Effect.flip(Webhook.verify(inSeconds(now / 1000 - 301), withAge))
      assert.strictEqual(old._tag, "WebhookExpired")
      assert.deepStrictEqual(old._tag === "WebhookExpired" && [old.signedAt, old.maxAgeMillis], [now - 301_000, 300_000])
      assert.strictEqual(yield* tagOf(Webhook.verify(body(delivery({ timeStr: now - 301_000 })), withAge)), "WebhookExpired")
      assert.strictEqual(yield* tagOf(Webhook.verify(inSeconds(now / 1000 + 301), withAge)), "WebhookExpired")
      // a replay of a week-old delivery passes without maxAge, as TrackingMore may re-deliver old signatures
      yield* Webhook.verify(inSeconds(now / 1000 - 7 * 86_400), options)
      const notTime = yield* Effect.flip(Webhook.verify(body(delivery({ timeStr: "yesterday" })), withAge))
      assert.strictEqual(notTime._tag === "MalformedWebhook" && notTime.kind, "invalid-time")
    }))

  it.effect("the email appears in no error, message or inspection", () =>
    Effect.gen(function*() {
      const bodies = [body(delivery({ key: "x" })), "{", "[]", body({ data: {} }), "x".repeat(2000)]
      for (const text of bodies) {
        const error = yield* Effect.flip(Webhook.verify(text, { email, maxBodyBytes: 1000 }))
        for (const shown of [String(error), error.message, inspect(error, { depth: 10 }), JSON.stringify(error)]) {
          assert.notInclude(shown, emailText)
          assert.notInclude(shown, hmac(emailText, "1772359200"))
        }
      }
      assert.notInclude(inspect({ email }), emailText)
    }))
})

describe("Webhook.validateOptions", () => {
  it("names the option that cannot work, never showing the email", () => {
    const cases: ReadonlyArray<readonly [unknown, string]> = [
      [{ email: Redacted.make("") }, "email"],
      [{ email: emailText }, "email"],
      [{}, "email"],
      [{ email, maxBodyBytes: 0 }, "maxBodyBytes"],
      [{ email, maxBodyBytes: 1.5 }, "maxBodyBytes"],
      [{ email, maxAge: "5 secs" }, "maxAge"],
      [{ email, maxAge: 0 }, "maxAge"],
      [{ email, verify: "no" }, "verify"],
      [{ email, maxBodySize: 10 }, "options.maxBodySize"],
      [{ verify: false, maxBodyBytes: -1 }, "maxBodyBytes"]
    ]
    for (const [options, option] of cases) {
      const checked = Webhook.validateOptions(options as Webhook.Options)
      assert.strictEqual(checked._tag === "Left" && checked.left.option, option, inspect(options))
      assert.notInclude(checked._tag === "Left" ? checked.left.message : "", emailText)
    }
    const good: ReadonlyArray<Webhook.Options> = [options, { email, maxAge: "5 minutes", maxBodyBytes: 10 }, { verify: false }, {
      verify: false,
      email
    }]
    for (const valid of good) {
      assert.strictEqual(Webhook.validateOptions(valid)._tag, "Right")
    }
  })

  it.effect("invalid options are a defect of verify, and a 500 of httpApp", () =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(Webhook.verify(body(delivery()), { email: Redacted.make("") }))
      assert.strictEqual(exit._tag === "Failure" && exit.cause._tag, "Die")
      const app = Webhook.httpApp({ email, maxBodyBytes: 0 }, () => Effect.void)
      const request = HttpServerRequest.fromWeb(new Request("http://localhost/hook", { method: "POST", body: body(delivery()) }))
      const response = yield* app.pipe(
        Effect.provideService(HttpServerRequest.HttpServerRequest, request),
        Logger.withMinimumLogLevel(LogLevel.None)
      )
      assert.strictEqual(response.status, 500)
    }))
})

describe("Webhook.decode", () => {
  it.effect("verifies by default and skips the signature only with verify: false", () =>
    Effect.gen(function*() {
      const { verifyInfo: _, ...unsigned } = delivery()
      assert.strictEqual(yield* tagOf(Webhook.decode(body(unsigned), options)), "InvalidSignature")
      const tracking = yield* Webhook.decode(body(unsigned), { verify: false })
      assert.strictEqual(tracking.trackingNumber, "1Z999AA10123456784")
      assert.strictEqual(yield* tagOf(Webhook.decode("[]", { verify: false })), "MalformedWebhook")
      assert.strictEqual(yield* tagOf(Webhook.decode("x".repeat(11), { verify: false, maxBodyBytes: 10 })), "WebhookTooLarge")
    }))
})

describe("Webhook.constantTimeEquals", () => {
  it.prop("equals string equality", [fc.string(), fc.string()], ([a, b]) => {
    assert.strictEqual(Webhook.constantTimeEquals(a, b), a === b)
    assert.isTrue(Webhook.constantTimeEquals(a, a))
  })
})

// ---------------------------------------------------------------------------------------------------------------
// ordering and repeats

const at = (updatedAt: string, status = "transit", number = "1Z999AA10123456784") =>
  Effect.runSync(
    Webhook.decode(body({ data: wireTracking({ updated_at: updatedAt, status, tracking_number: number }) }), { verify: false })
  )

describe("Webhook ordering", () => {
  it("parses ISO and TrackingMore times, zoneless as UTC", () => {
    assert.strictEqual(Webhook.parseUpdateTime("2026-03-01 10:00:00"), Date.UTC(2026, 2, 1, 10))
    assert.strictEqual(Webhook.parseUpdateTime("2026-03-01T10:00:00.250Z"), Date.UTC(2026, 2, 1, 10, 0, 0, 250))
    assert.strictEqual(Webhook.parseUpdateTime("2026-03-01T12:00:00+02:00"), Date.UTC(2026, 2, 1, 10))
    assert.strictEqual(Webhook.parseUpdateTime("2026-03-01 10:00"), Date.UTC(2026, 2, 1, 10))
    assert.strictEqual(Webhook.parseUpdateTime("soon"), undefined)
    assert.strictEqual(Webhook.parseUpdateTime(undefined), undefined)
  })

  it("classifies new, repeat and stale by update time, then status", () => {
    const base = at("2026-03-01T10:00:00Z")
    assert.strictEqual(Webhook.classify(undefined, base), "new")
    assert.strictEqual(Webhook.classify(base, base), "repeat")
    assert.strictEqual(Webhook.classify(base, at("2026-03-01T10:00:01Z")), "new")
    assert.strictEqual(Webhook.classify(base, at("2026-03-01T09:59:59Z")), "stale")
    assert.strictEqual(Webhook.classify(base, at("2026-03-01T10:00:00Z", "delivered")), "new")
    assert.isTrue(Webhook.isNewer(base, at("2026-03-02 00:00:00")))
    assert.isFalse(Webhook.isNewer(base, base))
    // without comparable times: the same status and times is a repeat, anything else new
    assert.strictEqual(Webhook.classify({ status: "transit" }, { status: "transit" }), "repeat")
    assert.strictEqual(Webhook.classify({ status: "transit" }, { status: "delivered" }), "new")
  })

  it.prop(
    "a delivery is stale exactly when its updatedAt is older",
    [fc.integer({ min: 0, max: 2e12 }), fc.integer({ min: 0, max: 2e12 })],
    ([a, b]) => {
      const mark = (ms: number) => ({ status: "transit", updatedAt: new Date(ms).toISOString() })
      const verdict = Webhook.classify(mark(a), mark(b))
      assert.strictEqual(verdict, b < a ? "stale" : b === a ? "repeat" : "new")
    }
  )

  it.effect("a deduplicator handles each update once, drops repeats and older ones, keeps shipments apart", () =>
    Effect.gen(function*() {
      const dedup = Webhook.makeDeduplicator()
      const handled: Array<string> = []
      const onNew = (t: Tracking.Tracking) => Effect.sync(() => void handled.push(`${t.trackingNumber} ${t.status}`))
      const deliveries = [
        at("2026-03-01T10:00:00Z", "transit"),
        at("2026-03-01T10:00:00Z", "transit"), // repeat
        at("2026-03-01T12:00:00Z", "delivered"),
        at("2026-03-01T11:00:00Z", "pickup"), // arrives late
        at("2026-03-01T12:00:00Z", "delivered"), // re-delivery
        at("2026-03-01T09:00:00Z", "pending", "OTHER1") // another shipment
      ]
      const verdicts: Array<Webhook.Verdict> = []
      for (const t of deliveries) verdicts.push(yield* dedup.handle(t, onNew))
      assert.deepStrictEqual(verdicts, ["new", "repeat", "new", "stale", "repeat", "new"])
      assert.deepStrictEqual(handled, ["1Z999AA10123456784 transit", "1Z999AA10123456784 delivered", "OTHER1 pending"])
    }))

  it.effect("a failed handling is not remembered, so the re-delivery is handled", () =>
    Effect.gen(function*() {
      const dedup = Webhook.makeDeduplicator()
      const t = at("2026-03-01T10:00:00Z")
      const failed = yield* Effect.flip(dedup.handle(t, () => Effect.fail("db down" as const)))
      assert.strictEqual(failed, "db down")
      assert.strictEqual(yield* dedup.check(t), "new")
      assert.strictEqual(yield* dedup.handle(t, () => Effect.void), "new")
      assert.strictEqual(yield* dedup.check(t), "repeat")
    }))

  it.effect("takes a store of the user's, with its own error type", () =>
    Effect.gen(function*() {
      const saved = new Map<string, string>()
      const store: Webhook.Store<"store down"> = {
        get: (key) => Effect.sync(() => saved.get(key)).pipe(Effect.map((s) => s === undefined ? undefined : JSON.parse(s) as Webhook.Mark)),
        set: (key, mark) => key.startsWith("fail") ? Effect.fail("store down" as const) : Effect.sync(() => void saved.set(key, JSON.stringify(mark)))
      }
      const dedup = Webhook.makeDeduplicator(store)
      const t = at("2026-03-01T10:00:00Z")
      assert.strictEqual(yield* dedup.handle(t, () => Effect.void), "new")
      assert.deepStrictEqual([...saved.keys()], ["ups/1Z999AA10123456784"])
      // a second deduplicator over the same store (another process) sees the mark
      assert.strictEqual(yield* Webhook.makeDeduplicator(store).check(t), "repeat")
    }))
})

// ---------------------------------------------------------------------------------------------------------------
// HttpApp over real HTTP

/** Serves `app` on a loopback port for the scope of the test; yields its URL. */
const serve = (app: HttpApp.Default) =>
  Effect.gen(function*() {
    const context = yield* Layer.build(
      HttpServer.serve(app).pipe(Layer.provideMerge(NodeHttpServer.layer(createServer, { port: 0, host: "127.0.0.1" })))
    )
    const server = yield* Effect.provide(HttpServer.HttpServer, context)
    const address = server.address
    if (address._tag !== "TcpAddress") return yield* Effect.dieMessage("expected a TCP address")
    return `http://127.0.0.1:${address.port}/hook`
  })

const post = (url: string, init: RequestInit) =>
  Effect.promise(async () => {
    const response = await fetch(url, { method: "POST", ...init })
    return { status: response.status, body: await response.json() as Record<string, unknown> }
  })

/**
 * POSTs chunks without a content-length (chunked encoding) with node:http, whose client reads an answer that comes
 * before the body is sent (fetch gives up on it when the server then closes the connection).
 */
const postChunked = (url: string, chunks: ReadonlyArray<string>) =>
  Effect.async<{ readonly status: number }>((resume) => {
    const req = request(url, { method: "POST" }, (res) => {
      res.resume()
      resume(Effect.succeed({ status: res.statusCode ?? 0 }))
    })
    req.on("error", () => {}) // the server may close the connection after answering; the answer is what counts
    for (const chunk of chunks) req.write(chunk)
    req.end()
  })

describe("Webhook.httpApp", () => {
  it.effect("logs no email and no expected signature, at any level", () =>
    Effect.gen(function*() {
      const lines: Array<string> = []
      const logger = Logger.make(({ annotations, cause, logLevel, message }) => {
        lines.push(inspect({ logLevel: logLevel.label, message, cause, annotations }, { depth: 10 }))
      })
      const app = Webhook.httpApp({ email }, () => Effect.fail(new Error("store down")))
      for (const text of [body(delivery({ key: "x" })), body(delivery()), "{", "[]"]) {
        const request = HttpServerRequest.fromWeb(new Request("http://localhost/hook", { method: "POST", body: text }))
        yield* app.pipe(
          Effect.provideService(HttpServerRequest.HttpServerRequest, request),
          Effect.provide(Logger.replace(Logger.defaultLogger, logger)),
          Logger.withMinimumLogLevel(LogLevel.All)
        )
      }
      assert.isAtLeast(lines.length, 4)
      assert.isTrue(lines.some((line) => line.includes("InvalidSignature")))
      for (const line of lines) {
        assert.notInclude(line, emailText)
        assert.notInclude(line, hmac(emailText, "1772359200"))
      }
    }))

  it.scoped("answers 200 after onUpdate, 401 bad signature, 400 malformed, 413 too large, 405 not a POST", () =>
    Effect.gen(function*() {
      const handled: Array<string> = []
      const url = yield* serve(
        Webhook.httpApp({ email, maxBodyBytes: 4096 }, (t) => Effect.sync(() => void handled.push(t.status ?? "?")))
      )
      assert.deepStrictEqual(yield* post(url, { body: body(delivery()) }), { status: 200, body: { ok: true } })
      assert.deepStrictEqual(handled, ["transit"])

      const wrong = yield* post(url, { body: body(delivery({ key: "other@example.com" })) })
      assert.deepStrictEqual(wrong.status, 401)
      assert.strictEqual(wrong.body.error, "InvalidSignature")
      assert.notInclude(JSON.stringify(wrong.body), emailText)

      const { verifyInfo: _, ...unsigned } = delivery()
      assert.strictEqual((yield* post(url, { body: body(unsigned) })).status, 401)
      const invalid = yield* post(url, { body: "{not json" })
      assert.deepStrictEqual([invalid.status, invalid.body.error], [400, "MalformedWebhook"])
      assert.strictEqual((yield* post(url, { body: "[]" })).status, 400)

      const large = body(delivery({ data: wireTracking({ comment: "x".repeat(5000) }) }))
      const tooLarge = yield* post(url, { body: large })
      assert.deepStrictEqual([tooLarge.status, tooLarge.body.error], [413, "WebhookTooLarge"])
      // without a content-length (chunked): the limit holds while reading
      const chunked = yield* postChunked(url, Array.from({ length: 10 }, () => "x".repeat(1000)))
      assert.strictEqual(chunked.status, 413)

      const get = yield* Effect.promise(() => fetch(url))
      assert.strictEqual(get.status, 405)
      assert.deepStrictEqual(handled, ["transit"])
    }))

  it.scoped("a failing or dying onUpdate is a 500 without details; the server goes on", () =>
    Effect.gen(function*() {
      let calls = 0
      const url = yield* serve(
        Webhook.httpApp({ email }, () => {
          calls++
          return calls === 1 ? Effect.fail(new Error("db password=hunter2")) : calls === 2 ? Effect.die("boom hunter2") : Effect.void
        }).pipe(Logger.withMinimumLogLevel(LogLevel.None))
      )
      for (let i = 0; i < 2; i++) {
        const answer = yield* post(url, { body: body(delivery()) })
        assert.deepStrictEqual(answer, { status: 500, body: { error: "InternalError", message: "The update could not be handled" } })
      }
      assert.strictEqual((yield* post(url, { body: body(delivery()) })).status, 200)
    }))

  it.scoped("with verify: false, an unsigned delivery is accepted; with a deduplicator, repeats are answered 200 once handled", () =>
    Effect.gen(function*() {
      const dedup = Webhook.makeDeduplicator()
      const handled: Array<string> = []
      const url = yield* serve(
        Webhook.httpApp({ verify: false }, (t) => dedup.handle(t, () => Effect.sync(() => void handled.push(t.status ?? "?"))))
      )
      const { verifyInfo: _, ...unsigned } = delivery()
      for (let i = 0; i < 3; i++) assert.strictEqual((yield* post(url, { body: body(unsigned) })).status, 200)
      assert.deepStrictEqual(handled, ["transit"])
    }))
})
