import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as fc from "effect/FastCheck"
import * as Schema from "effect/Schema"
import * as Tracking from "../src/Tracking.js"

// Values as a server might send them: mostly clean strings and nulls (the fast path), sometimes what only the
// Schema may decide (numbers, lenient booleans, `undefined`, wrong nesting).
const scalar = fc.oneof(
  { arbitrary: fc.string({ maxLength: 8 }), weight: 8 },
  { arbitrary: fc.constant(null), weight: 3 },
  { arbitrary: fc.oneof(fc.boolean(), fc.integer(), fc.constant(undefined), fc.constantFrom("true", "0")), weight: 1 }
)
const clean = fc.oneof({ arbitrary: fc.string({ maxLength: 8 }), weight: 3 }, { arbitrary: fc.constant(null), weight: 1 })

// A wire tracking whose fields are drawn from `value`: clean ones decode (on the fast path); odd ones often do
// not, or need the Schema's conversions, and the results and errors must be the Schema's.
const trackingOf = (value: fc.Arbitrary<unknown>, odd: boolean) => {
  const requiredKeys: Array<"tracking_number" | "carrier_code"> = odd ? [] : ["tracking_number", "carrier_code"]
  const record = <T extends Record<string, fc.Arbitrary<unknown>>>(fields: T) =>
    fc.tuple(fc.record(fields, { requiredKeys: [] }), fc.dictionary(fc.string({ maxLength: 4 }), value, { maxKeys: 2 }))
      .map(([known, extra]) => ({ ...extra, ...known }))
  const orOdd = (arbitrary: fc.Arbitrary<unknown>) =>
    !odd ? arbitrary : fc.oneof({ arbitrary, weight: 6 }, { arbitrary: value, weight: 1 }, { arbitrary: fc.array(value, { maxLength: 2 }), weight: 1 })
  const event = record({ Date: value, StatusDescription: value, Details: value, checkpoint_status: value, substatus: value })
  const carrier = record({
    weblink: value,
    phone: value,
    carrier_code: value,
    trackinfo: orOdd(fc.array(orOdd(event), { maxLength: 3 }))
  })
  return fc.tuple(
    record(Object.fromEntries(keys.map((key) => [key, value]))),
    fc.record({
      tracking_number: orOdd(fc.string({ maxLength: 12 })),
      carrier_code: orOdd(fc.constantFrom("dhl", "ups", "usps")),
      archived: odd ? fc.oneof(fc.boolean(), fc.constantFrom("true", "false", 1, 0, "1", null, "yes")) : fc.boolean(),
      origin_info: orOdd(carrier),
      destination_info: orOdd(carrier)
    }, { requiredKeys })
  ).map(([a, b]) => ({ ...a, ...b }))
}
const keys = [
  "id", "status", "substatus", "created_at", "updated_at", "title", "order_id", "customer_name", "customer_email",
  "customer_phone", "logistics_channel", "comment", "original_country", "destination_country", "lastEvent",
  "lastUpdateTime"
]
const wireTracking = fc.oneof(trackingOf(clean, false), trackingOf(scalar, true), scalar)

const schemaDecode = Schema.decodeUnknownEither(Tracking.Tracking)

describe("Tracking.decodeTracking", () => {
  it.prop("gives exactly what Schema.decodeUnknownEither(Tracking) gives, value or error", [wireTracking], ([input]) => {
    const fast = Tracking.decodeTracking(input)
    const reference = schemaDecode(input)
    assert.strictEqual(fast._tag, reference._tag)
    if (Either.isRight(fast) && Either.isRight(reference)) {
      assert.instanceOf(fast.right, Tracking.Tracking)
      assert.deepStrictEqual(fast.right, reference.right)
      assert.deepStrictEqual(Schema.encodeSync(Tracking.Tracking)(fast.right), Schema.encodeSync(Tracking.Tracking)(reference.right))
    } else if (Either.isLeft(fast) && Either.isLeft(reference)) {
      assert.strictEqual(String(fast.left), String(reference.left))
    }
  }, { fastCheck: { numRuns: 1000 } })

  it("decodes a full answer into classes with camelCase fields, dropping nulls and unknown fields", () => {
    const decoded = Tracking.decodeTracking({
      id: "t1",
      tracking_number: "RR123",
      carrier_code: "dhl",
      status: "transit",
      title: null,
      archived: false,
      unknown_field: { nested: true },
      origin_info: { weblink: "https://dhl", phone: null, trackinfo: [{ Date: "2026-11-28", StatusDescription: "In transit" }] }
    })
    const tracking = Effect.runSync(decoded)
    assert.strictEqual(tracking.trackingNumber, "RR123")
    assert.isFalse("title" in tracking)
    assert.isFalse("unknown_field" in tracking)
    assert.strictEqual(tracking.archived, false)
    assert.instanceOf(tracking.originInfo, Tracking.CarrierInfo)
    assert.instanceOf(tracking.originInfo?.trackinfo?.[0], Tracking.TrackingEvent)
    assert.strictEqual(tracking.originInfo?.trackinfo?.[0]?.statusDescription, "In transit")
  })

  it("keeps the Schema's lenient conversions and its errors", () => {
    const lenient = Tracking.decodeTracking({ tracking_number: "RR1", carrier_code: "dhl", archived: "1" })
    assert.strictEqual(Effect.runSync(lenient).archived, true)
    const missing = Tracking.decodeTracking({ carrier_code: "dhl" })
    assert.include(String(Effect.runSync(Effect.flip(missing))), "tracking_number")
  })
})
