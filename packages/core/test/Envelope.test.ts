import { assert, describe, it } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Either from "effect/Either"
import * as fc from "effect/FastCheck"
import * as Envelope from "../src/Envelope.js"
import * as StatusCode from "../src/StatusCode.js"
import * as TrackingMoreError from "../src/TrackingMoreError.js"

const envelope = (code: number, message = "server text", data: unknown = { id: "x" }) =>
  JSON.stringify({ meta: { code, type: "t", message }, data })

const mirrorStatus = (code: number) => (code >= 1000 ? 400 : code)

/** The error of a decode that must fail, or a failed assertion that shows what it gave instead. */
const errorOf = <A>(result: Either.Either<A, TrackingMoreError.TrackingMoreError>): TrackingMoreError.TrackingMoreError => {
  if (Either.isRight(result)) return assert.fail(`expected an error, got ${JSON.stringify(result.right)}`)
  return result.left
}

/** The value of a decode that must succeed, or a failed assertion that shows the error instead. */
const valueOf = <A>(result: Either.Either<A, TrackingMoreError.TrackingMoreError>): A => {
  if (Either.isLeft(result)) return assert.fail(`expected a value, got ${result.left._tag}: ${result.left.message}`)
  return result.right
}

describe("Envelope.decode", () => {
  describe("one case per catalogue row", () => {
    for (const entry of StatusCode.all) {
      for (const mode of ["always-200", "mirror"] as const) {
        it(`${entry.code} (${mode}) → ${entry.tag}`, () => {
          const status = mode === "mirror" ? mirrorStatus(entry.code) : 200
          const result = Envelope.decode({ status, headers: {}, body: envelope(entry.code) })
          if (entry.category === "success") {
            const decoded = valueOf(result)
            assert.strictEqual(decoded.code, entry.code)
            assert.deepStrictEqual(decoded.data, { id: "x" })
          } else {
            const error = errorOf(result)
            assert.strictEqual(error._tag, entry.tag)
            assert.strictEqual(error.code, entry.code)
            assert.include(error.message, entry.meaning)
            assert.include(error.message, "server text")
          }
        })
      }
    }
  })

  it("keeps an undocumented code as UnknownStatus", () => {
    const error = errorOf(Envelope.decode({ status: 200, headers: {}, body: envelope(4999) }))
    assert.strictEqual(error._tag, "UnknownStatus")
    assert.strictEqual(error.code, 4999)
  })

  it("reads bytes as well as text", () => {
    const result = Envelope.decode({ status: 200, headers: {}, body: new TextEncoder().encode(envelope(4017)) })
    assert.strictEqual(errorOf(result)._tag, "TrackingNotFound")
  })

  it("accepts a numeric string code", () => {
    const result = Envelope.decode({ status: 200, headers: {}, body: '{"meta":{"code":"4031"}}' })
    assert.strictEqual(errorOf(result)._tag, "NotRegistered")
  })

  describe("no usable JSON", () => {
    it("an HTML 502 page is MalformedResponse with the status and an excerpt", () => {
      const body = `<html><body>502 Bad Gateway${"x".repeat(2000)}</body></html>`
      const error = errorOf(Envelope.decode({ status: 502, headers: {}, body, method: "GET", endpoint: "/trackings/get" }))
      assert.strictEqual(error._tag, "MalformedResponse")
      if (error._tag !== "MalformedResponse") return
      assert.strictEqual(error.code, 502)
      assert.strictEqual(error.kind, "html")
      assert.strictEqual(error.reason, "HTML instead of JSON")
      assert.strictEqual(error.bodyExcerpt.length, 512)
      assert.include(error.message, "GET /trackings/get")
    })

    it("truncated JSON and an empty body are MalformedResponse", () => {
      for (const [body, kind] of [['{"meta":{"code":200},"da', "invalid-json"], ["", "empty"], ['{"data":1}', "no-envelope"]] as const) {
        const error = errorOf(Envelope.decode({ status: 200, headers: {}, body }))
        assert.strictEqual(error._tag, "MalformedResponse")
        assert.strictEqual(error._tag === "MalformedResponse" && error.kind, kind)
      }
    })

    for (const status of [401, 403, 404, 405, 409, 429, 500, 503]) {
      it(`a bare HTTP ${status} maps to its catalogue error`, () => {
        const error = errorOf(Envelope.decode({ status, headers: {}, body: "nope" }))
        assert.strictEqual(error._tag, StatusCode.lookup(status)!.tag)
      })
    }
  })

  describe("Retry-After", () => {
    const tooMany = (headers: Record<string, string>, receivedAt?: number) => {
      const result = Envelope.decode({ status: 429, headers, body: envelope(429), receivedAt })
      return Either.isLeft(result) ? result.left.retryAfter : undefined
    }
    it("delta-seconds", () => {
      assert.deepStrictEqual(tooMany({ "Retry-After": "300" }), Duration.seconds(300))
    })
    it("an HTTP date relative to the response's Date header", () => {
      const after = tooMany({
        "retry-after": "Wed, 21 Oct 2026 07:33:00 GMT",
        date: "Wed, 21 Oct 2026 07:28:00 GMT"
      })
      assert.deepStrictEqual(after, Duration.millis(300_000))
    })
    it("an HTTP date relative to the arrival time without a Date header", () => {
      const at = Date.parse("Wed, 21 Oct 2026 07:30:00 GMT")
      assert.deepStrictEqual(tooMany({ "retry-after": "Wed, 21 Oct 2026 07:31:00 GMT" }, at), Duration.seconds(60))
    })
    it("garbage is ignored", () => {
      assert.isUndefined(tooMany({ "retry-after": "soon" }))
    })
  })

  describe("total: any value in place of a response", () => {
    // Untyped callers can hand anything over: the type is cast away on purpose.
    const decodeAny = (response: unknown) => Envelope.decode(response as Envelope.RawResponse)
    const left = (response: unknown): TrackingMoreError.TrackingMoreError => {
      const error = errorOf(decodeAny(response))
      assert.isTrue(TrackingMoreError.isTrackingMoreError(error), `expected a TrackingMoreError, got ${String(error)}`)
      return error
    }
    const malformed = (response: unknown): TrackingMoreError.MalformedResponse => {
      const error = left(response)
      if (error._tag !== "MalformedResponse") return assert.fail(`expected MalformedResponse, got ${error._tag}`)
      return error
    }
    const nonObjectJson = ["null", "0", "-1.5", '"busy"', "[]", '[{"meta":{"code":200}}]', "true", "false"]

    for (const [status, tag] of [[429, "TooManyRequests"], [503, "ServiceUnavailable"]] as const) {
      for (const body of nonObjectJson) {
        it(`JSON ${body} at HTTP ${status} is ${tag}, as a bare ${status} is`, () => {
          const error = left({ status, headers: { "retry-after": "7" }, body })
          assert.strictEqual(error._tag, tag)
          assert.strictEqual(error.code, status)
          assert.deepStrictEqual(error.retryAfter, Duration.seconds(7))
        })
      }
    }

    it("JSON that is not an object at HTTP 200 is MalformedResponse no-envelope, never a decoder failure", () => {
      for (const body of nonObjectJson) {
        const error = malformed({ status: 200, headers: {}, body })
        assert.strictEqual(error.kind, "no-envelope")
        assert.notInclude(error.reason, "decoder failure")
      }
    })

    it("decode(undefined) and decode(null) are MalformedResponse of HTTP 0 with an empty body", () => {
      for (const response of [undefined, null]) {
        const error = malformed(response)
        assert.strictEqual(error.code, 0)
        assert.strictEqual(error.kind, "empty")
      }
    })

    it("a value that is not an object is MalformedResponse of HTTP 0", () => {
      for (const response of [42, "HTTP/1.1 429", true, Symbol("r"), 10n, () => 429]) {
        assert.strictEqual(malformed(response).code, 0)
      }
    })

    it("a status getter that throws is status 0; the envelope still decides", () => {
      const withBody = (body: string) => ({
        get status(): number {
          throw new Error("status is gone")
        },
        headers: {},
        body
      })
      assert.strictEqual(left(withBody(envelope(429)))._tag, "TooManyRequests")
      const error = malformed(withBody(""))
      assert.strictEqual(error.code, 0)
      assert.strictEqual(error.kind, "empty")
      assert.strictEqual(valueOf(decodeAny(withBody(envelope(200)))).code, 200)
    })

    it("a status that is not a safe integer is status 0", () => {
      for (const status of ["429", NaN, 429.5, Infinity, null, {}, 2 ** 60]) {
        assert.strictEqual(malformed({ status, headers: {}, body: "" }).code, 0)
      }
    })

    it("a body that is neither text nor bytes is unreadable, and a bare status still decides", () => {
      for (const body of [42, true, {}, { meta: { code: 200 } }, ["{}"], Symbol("b"), 1n]) {
        const error = malformed({ status: 200, headers: {}, body })
        assert.strictEqual(error.kind, "other")
        assert.strictEqual(error.reason, "body is neither text nor bytes")
        assert.strictEqual(left({ status: 429, headers: {}, body })._tag, "TooManyRequests")
      }
    })

    it("a missing body is an empty one; an ArrayBuffer or any byte view is read as bytes", () => {
      for (const body of [undefined, null]) {
        assert.strictEqual(malformed({ status: 502, headers: {}, body }).kind, "empty")
        assert.strictEqual(left({ status: 503, headers: {}, body })._tag, "ServiceUnavailable")
      }
      const bytes = new TextEncoder().encode(envelope(4017))
      for (const body of [bytes.buffer, new DataView(bytes.buffer), bytes]) {
        assert.strictEqual(left({ status: 200, headers: {}, body })._tag, "TrackingNotFound")
      }
    })

    it("a body getter that throws, or a proxy body, is unreadable", () => {
      const throwing = {
        status: 503,
        headers: {},
        get body(): string {
          throw new Error("body is gone")
        }
      }
      assert.strictEqual(left(throwing)._tag, "ServiceUnavailable")
      const { proxy, revoke } = Proxy.revocable({}, {})
      revoke()
      assert.strictEqual(malformed({ status: 200, headers: {}, body: proxy }).kind, "other")
    })

    it("headers that are missing, null or not an object are no headers", () => {
      for (const headers of [undefined, null, "retry-after: 5", 5, true, Symbol("h")]) {
        const error = left({ status: 429, headers, body: "" })
        assert.strictEqual(error._tag, "TooManyRequests")
        assert.isUndefined(error.retryAfter)
      }
    })

    it("a numeric header value is read as its digits, an array as its first string, anything else is absent", () => {
      const retryAfter = (headers: unknown) => left({ status: 429, headers, body: "" }).retryAfter
      assert.deepStrictEqual(retryAfter({ "retry-after": 30 }), Duration.seconds(30))
      assert.deepStrictEqual(retryAfter({ "Retry-After": ["12", "99"] }), Duration.seconds(12))
      assert.deepStrictEqual(retryAfter({ "retry-after": [1, "4"] }), Duration.seconds(4))
      for (const value of [NaN, -Infinity, 1.5, -3, [], [1], {}, null, true, 1n, Symbol("v")]) {
        assert.isUndefined(retryAfter({ "retry-after": value }))
      }
      // An object is not coerced, even one that would print as a date: the arrival time is the reference instead.
      const at = Date.parse("Wed, 21 Oct 2026 07:30:00 GMT")
      const error = left({
        status: 429,
        headers: {
          "retry-after": "Wed, 21 Oct 2026 07:31:00 GMT",
          date: { toString: () => "Wed, 21 Oct 2026 07:20:00 GMT" }
        },
        body: "",
        receivedAt: at
      })
      assert.deepStrictEqual(error.retryAfter, Duration.seconds(60))
    })

    it("header getters that throw and proxies that refuse every operation are absent", () => {
      const getters = {
        get "retry-after"(): string {
          throw new Error("header is gone")
        },
        get "Retry-After"(): string {
          throw new Error("header is gone")
        }
      }
      const refusing = new Proxy({}, {
        get: () => {
          throw new Error("no get")
        },
        ownKeys: () => {
          throw new Error("no keys")
        }
      })
      const { proxy: revoked, revoke } = Proxy.revocable({}, {})
      revoke()
      const elementThrows = new Proxy(["5"], {
        get: (target, key) => {
          if (key === "0") throw new Error("no element")
          return Reflect.get(target, key)
        }
      })
      for (const headers of [getters, refusing, revoked, { "retry-after": revoked }, { "retry-after": elementThrows }]) {
        const error = left({ status: 429, headers, body: "" })
        assert.strictEqual(error._tag, "TooManyRequests")
        assert.isUndefined(error.retryAfter)
      }
    })

    it("a method, endpoint or arrival time of the wrong type is ignored", () => {
      const error = left({
        status: 429,
        headers: { "retry-after": "Wed, 21 Oct 2026 07:31:00 GMT" },
        body: "",
        method: 1,
        endpoint: { path: "/x" },
        receivedAt: 10n
      })
      assert.strictEqual(error._tag, "TooManyRequests")
      assert.isUndefined(error.method)
      assert.isUndefined(error.endpoint)
      assert.isUndefined(error.retryAfter)
    })

    it("parseRetryAfter ignores values of the wrong type", () => {
      const parse = Envelope.parseRetryAfter as (value: unknown, date?: unknown, receivedAt?: unknown) => unknown
      assert.isUndefined(parse(30))
      assert.isUndefined(parse(null))
      assert.isUndefined(parse("Wed, 21 Oct 2026 07:31:00 GMT", 5, "now"))
      assert.isUndefined(parse("Wed, 21 Oct 2026 07:31:00 GMT", undefined, 1n))
      assert.deepStrictEqual(
        parse("Wed, 21 Oct 2026 07:31:00 GMT", {}, Date.parse("Wed, 21 Oct 2026 07:30:00 GMT")),
        Duration.seconds(60)
      )
    })
  })

  describe("properties", () => {
    const decodes = (body: string | Uint8Array, status: number, headers: Record<string, string>) => {
      const result = Envelope.decode({ status, headers, body })
      return Either.isRight(result) || typeof result.left._tag === "string"
    }

    it.prop("never throws on arbitrary strings", [fc.string({ unit: "binary" }), fc.integer(), fc.dictionary(fc.string(), fc.string())], ([body, status, headers]) =>
      decodes(body, status, headers), { fastCheck: { numRuns: 1000 } })

    it.prop("never throws on arbitrary bytes", [fc.uint8Array({ maxLength: 256 }), fc.integer({ min: 100, max: 599 })], ([body, status]) =>
      decodes(body, status, {}), { fastCheck: { numRuns: 1000 } })

    it.prop("never throws on arbitrary JSON, envelopes included", [
      fc.oneof(
        fc.json(),
        fc.record({ meta: fc.record({ code: fc.oneof(fc.integer(), fc.string(), fc.double()), message: fc.anything() }), data: fc.anything() }).map((v) => JSON.stringify(v))
      ),
      fc.integer({ min: 0, max: 999 }),
      fc.record({ "retry-after": fc.string(), date: fc.string() }, { requiredKeys: [] })
    ], ([body, status, headers]) => decodes(body, status, headers), { fastCheck: { numRuns: 1000 } })

    // Either a success with its code, or a Left holding one of this package's errors: never a throw.
    const wellFormed = (response: unknown): boolean => {
      const result = Envelope.decode(response as Envelope.RawResponse)
      if (!Either.isEither(result)) return false
      return Either.isRight(result)
        ? result.right.code === 200 || result.right.code === 201
        : TrackingMoreError.isTrackingMoreError(result.left)
    }

    const anything = fc.anything({
      withBigInt: true,
      withBoxedValues: true,
      withDate: true,
      withMap: true,
      withSet: true,
      withNullPrototype: true,
      withObjectString: true,
      withSparseArray: true,
      withTypedArray: true
    })

    // Values whose reads throw: an object of throwing getters, a proxy that refuses, a revoked proxy. fast-check
    // itself inspects what it generates, so it generates a marker and the property builds the value from it.
    class Hostile {
      constructor(readonly kind: "getters" | "refusing" | "revoked") {}
    }
    const build = (kind: Hostile["kind"]): unknown => {
      const fail = (what: string) => () => {
        throw new Error(what)
      }
      switch (kind) {
        case "getters":
          return Object.defineProperties({}, {
            status: { get: fail("status"), enumerable: true },
            headers: { get: fail("headers"), enumerable: true },
            body: { get: fail("body"), enumerable: true },
            "retry-after": { get: fail("retry-after"), enumerable: true }
          })
        case "refusing":
          return new Proxy({}, {
            get: fail("get"),
            has: fail("has"),
            ownKeys: fail("ownKeys"),
            getPrototypeOf: fail("getPrototypeOf")
          })
        case "revoked": {
          const { proxy, revoke } = Proxy.revocable({}, {})
          revoke()
          return proxy
        }
      }
    }
    const realize = (value: unknown): unknown => value instanceof Hostile ? build(value.kind) : value
    // A record's fields and its headers' values may be hostile too.
    const realizeResponse = (value: unknown): unknown => {
      if (value instanceof Hostile || typeof value !== "object" || value === null || Array.isArray(value)) {
        return realize(value)
      }
      const out: Record<string, unknown> = {}
      for (const [key, field] of Object.entries(value)) {
        out[key] = key === "headers" && typeof field === "object" && field !== null && !(field instanceof Hostile)
          ? Object.fromEntries(Object.entries(field).map(([name, v]) => [name, realize(v)]))
          : realize(field)
      }
      return out
    }
    const hostile = fc.constantFrom("getters" as const, "refusing" as const, "revoked" as const).map((kind) => new Hostile(kind))
    const value = fc.oneof({ weight: 5, arbitrary: anything }, { weight: 1, arbitrary: hostile })

    it.prop("never throws on anything at all, and a Left is a TrackingMoreError", [value], ([response]) =>
      wellFormed(realize(response)), { fastCheck: { numRuns: 1000 } })

    it.prop("never throws on records mixing anything into status, headers and body", [
      fc.record({
        status: fc.oneof(fc.integer({ min: 0, max: 999 }), value),
        headers: fc.oneof(
          fc.dictionary(fc.constantFrom("retry-after", "Retry-After", "date", "Date", "x"), value),
          value
        ),
        body: fc.oneof(fc.json(), fc.jsonValue().map((v) => JSON.stringify(v)), fc.uint8Array({ maxLength: 64 }), value),
        method: value,
        endpoint: value,
        receivedAt: fc.oneof(fc.integer(), value)
      }, { requiredKeys: [] })
    ], ([response]) => wellFormed(realizeResponse(response)), { fastCheck: { numRuns: 1000 } })

    it.prop("JSON that is not an object at a bare status gives that status's catalogue error", [
      fc.oneof(
        fc.constant(null),
        fc.boolean(),
        fc.double(),
        fc.string(),
        fc.array(fc.jsonValue(), { maxLength: 4 })
      ),
      fc.constantFrom(401, 403, 404, 405, 409, 429, 500, 503)
    ], ([json, status]) => {
      const error = errorOf(Envelope.decode({ status, headers: {}, body: JSON.stringify(json) }))
      assert.strictEqual(error._tag, StatusCode.lookup(status)!.tag)
      assert.strictEqual(error.code, status)
    }, { fastCheck: { numRuns: 500 } })
  })
})
