import { assert, describe, it } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Either from "effect/Either"
import * as fc from "effect/FastCheck"
import * as Envelope from "../src/Envelope.js"
import * as StatusCode from "../src/StatusCode.js"

const envelope = (code: number, message = "server text", data: unknown = { id: "x" }) =>
  JSON.stringify({ meta: { code, type: "t", message }, data })

const mirrorStatus = (code: number) => (code >= 1000 ? 400 : code)

describe("Envelope.decode", () => {
  describe("one case per catalogue row", () => {
    for (const entry of StatusCode.all) {
      for (const mode of ["always-200", "mirror"] as const) {
        it(`${entry.code} (${mode}) → ${entry.tag}`, () => {
          const status = mode === "mirror" ? mirrorStatus(entry.code) : 200
          const result = Envelope.decode({ status, headers: {}, body: envelope(entry.code) })
          if (entry.category === "success") {
            assert.isTrue(Either.isRight(result))
            if (Either.isRight(result)) {
              assert.strictEqual(result.right.code, entry.code)
              assert.deepStrictEqual(result.right.data, { id: "x" })
            }
          } else {
            assert.isTrue(Either.isLeft(result))
            if (Either.isLeft(result)) {
              assert.strictEqual(result.left._tag, entry.tag)
              assert.strictEqual(result.left.code, entry.code)
              assert.include(result.left.message, entry.meaning)
              assert.include(result.left.message, "server text")
            }
          }
        })
      }
    }
  })

  it("keeps an undocumented code as UnknownStatus", () => {
    const result = Envelope.decode({ status: 200, headers: {}, body: envelope(4999) })
    assert.isTrue(Either.isLeft(result) && result.left._tag === "UnknownStatus" && result.left.code === 4999)
  })

  it("reads bytes as well as text", () => {
    const result = Envelope.decode({ status: 200, headers: {}, body: new TextEncoder().encode(envelope(4017)) })
    assert.isTrue(Either.isLeft(result) && result.left._tag === "TrackingNotFound")
  })

  it("accepts a numeric string code", () => {
    const result = Envelope.decode({ status: 200, headers: {}, body: '{"meta":{"code":"4031"}}' })
    assert.isTrue(Either.isLeft(result) && result.left._tag === "NotRegistered")
  })

  describe("no usable JSON", () => {
    it("an HTML 502 page is MalformedResponse with the status and an excerpt", () => {
      const body = `<html><body>502 Bad Gateway${"x".repeat(2000)}</body></html>`
      const result = Envelope.decode({ status: 502, headers: {}, body, method: "GET", endpoint: "/trackings/get" })
      assert.isTrue(Either.isLeft(result))
      if (Either.isLeft(result) && result.left._tag === "MalformedResponse") {
        assert.strictEqual(result.left.code, 502)
        assert.strictEqual(result.left.kind, "html")
        assert.strictEqual(result.left.reason, "HTML instead of JSON")
        assert.strictEqual(result.left.bodyExcerpt.length, 512)
        assert.include(result.left.message, "GET /trackings/get")
      } else {
        assert.fail("expected MalformedResponse")
      }
    })

    it("truncated JSON and an empty body are MalformedResponse", () => {
      for (const [body, kind] of [['{"meta":{"code":200},"da', "invalid-json"], ["", "empty"], ['{"data":1}', "no-envelope"]]) {
        const result = Envelope.decode({ status: 200, headers: {}, body: body! })
        assert.isTrue(Either.isLeft(result) && result.left._tag === "MalformedResponse" && result.left.kind === kind)
      }
    })

    for (const status of [401, 403, 404, 405, 409, 429, 500, 503]) {
      it(`a bare HTTP ${status} maps to its catalogue error`, () => {
        const result = Envelope.decode({ status, headers: {}, body: "nope" })
        assert.isTrue(Either.isLeft(result))
        if (Either.isLeft(result)) assert.strictEqual(result.left._tag, StatusCode.lookup(status)!.tag)
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
  })
})
