import { assert, describe, it } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Equal from "effect/Equal"
import * as fc from "effect/FastCheck"
import * as Schema from "effect/Schema"
import * as StatusCode from "../src/StatusCode.js"
import * as TrackingMoreError from "../src/TrackingMoreError.js"

const roundTrip = (error: TrackingMoreError.TrackingMoreError) =>
  Schema.decodeUnknownSync(TrackingMoreError.TrackingMoreError)(
    JSON.parse(JSON.stringify(Schema.encodeSync(TrackingMoreError.TrackingMoreError)(error)))
  )

describe("TrackingMoreError", () => {
  it("has one class per non-success code, with the catalogue's code", () => {
    for (const entry of StatusCode.all) {
      if (entry.category === "success") continue
      const error = TrackingMoreError.fromCode(entry.code)
      assert.strictEqual(error._tag, entry.tag)
      assert.strictEqual(error.code, entry.code)
      assert.instanceOf<unknown>(error, TrackingMoreError.classes[error._tag as StatusCode.CodeErrorTag])
      assert.isTrue(TrackingMoreError.isTrackingMoreError(error))
    }
  })

  it("messages say what the code means, what the server said, the wait and where", () => {
    const error = TrackingMoreError.fromCode(429, {
      serverMessage: "slow down",
      retryAfter: Duration.seconds(300),
      method: "POST",
      endpoint: "/trackings/batch"
    })
    assert.include(error.message, "wait two minutes")
    assert.include(error.message, 'Server said: "slow down"')
    assert.include(error.message, "5m")
    assert.include(error.message, "POST /trackings/batch")
  })

  it("round-trips every kind through its schema to an equal error", () => {
    const errors: Array<TrackingMoreError.TrackingMoreError> = [
      ...StatusCode.all.filter((e) => e.category !== "success").map((e) =>
        TrackingMoreError.fromCode(e.code, { serverMessage: "m", retryAfter: Duration.seconds(3), endpoint: "/x" })
      ),
      TrackingMoreError.fromCode(4999),
      TrackingMoreError.malformed(502, "html", "<html>"),
      TrackingMoreError.transport("reset", "ECONNRESET")
    ]
    for (const error of errors) {
      const decoded = roundTrip(error)
      assert.strictEqual(decoded._tag, error._tag)
      // The fields first, for a diff when one is lost; then Equal, the equality users rely on.
      assert.deepStrictEqual(decoded, error)
      assert.isTrue(Equal.equals(decoded, error), `${error._tag} round-trips`)
      assert.isTrue(TrackingMoreError.isTrackingMoreError(decoded))
    }
  })

  it("is recognised across duplicate installs by its Symbol.for type id", () => {
    const foreign = { [Symbol.for("@trackingmore-effect/core/TrackingMoreError")]: Symbol.for("@trackingmore-effect/core/TrackingMoreError") }
    assert.isTrue(TrackingMoreError.isTrackingMoreError(foreign))
    assert.isFalse(TrackingMoreError.isTrackingMoreError(new Error("x")))
    assert.isFalse(TrackingMoreError.isTrackingMoreError(null))
  })

  it.effect("works with Effect.catchTag per code", () =>
    Effect.gen(function*() {
      const result = yield* Effect.fail(TrackingMoreError.fromCode(4017)).pipe(
        Effect.catchTag("TrackingNotFound", (e) => Effect.succeed(`missing ${e.code}`))
      )
      assert.strictEqual(result, "missing 4017")
    }))

  it.prop("every integer code maps to exactly one tag", [fc.integer()], ([code]) => {
    const error = TrackingMoreError.fromCode(code)
    const entry = StatusCode.lookup(code)
    const expected = entry === undefined || entry.category === "success" ? "UnknownStatus" : entry.tag
    const matchingClasses = Object.values(TrackingMoreError.classes).filter((C) => error instanceof C).length
    return error._tag === expected && error.code === code &&
      matchingClasses === (expected === "UnknownStatus" ? 0 : 1)
  }, { fastCheck: { numRuns: 1000 } })
})
