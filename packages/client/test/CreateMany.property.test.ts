import { assert, describe, it } from "@effect/vitest"
import * as TrackingMoreError from "@trackingmore-effect/core/TrackingMoreError"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as fc from "effect/FastCheck"
import * as CreateOutcome from "../src/CreateOutcome.js"
import type * as Requests from "../src/Requests.js"
import { createMany, createManyTimed, type Fault, keyOf, server, type Timing } from "./utils/scripted.js"

// ---------------------------------------------------------------------------------------------------------------
// Arbitraries

const numbers = ["RR1", "RR2", "RR3", "RR4", "RR5"]

/** Items the client sends: duplicates (also by carrier case), the same number with other carriers, a carrier the server refuses. */
const validInput = fc.record({
  trackingNumber: fc.constantFrom(...numbers),
  carrierCode: fc.constantFrom("dhl", "DHL", "ups", "fedex", "nope")
})

/** Items the client refuses before sending: blank fields, and what untyped callers pass. */
const invalidInput = fc.oneof(
  fc.record({ trackingNumber: fc.constantFrom("", "  ", "\t"), carrierCode: fc.constantFrom("dhl", "") }),
  fc.record({ trackingNumber: fc.constantFrom(...numbers), carrierCode: fc.constantFrom("", " ") }),
  fc.constantFrom<unknown>(
    null,
    undefined,
    42,
    {},
    { trackingNumber: 7, carrierCode: "dhl" },
    { trackingNumber: "RR1", carrierCode: "dhl", title: 5 }
  ).map((value) => typeof value === "object" && value !== null ? { ...value } : value)
) as fc.Arbitrary<Requests.CreateTracking>

const input = fc.oneof({ weight: 6, arbitrary: validInput }, { weight: 1, arbitrary: invalidInput })

/** Dense arrays mostly; sometimes sparse, whose holes are inputs too. */
const inputs = fc.oneof(
  { weight: 7, arbitrary: fc.array(input, { maxLength: 24 }) },
  { weight: 1, arbitrary: fc.sparseArray(input, { maxLength: 12, minNumElements: 1 }) }
)

const mask = fc.array(fc.boolean(), { minLength: 1, maxLength: 4 })

const fault: fc.Arbitrary<Fault> = fc.oneof(
  fc.constant({ _tag: "Honest" } as const),
  fc.record({ _tag: fc.constant("Omit" as const), mask }),
  fc.record({ _tag: fc.constant("Duplicate" as const), mask }),
  fc.constant({ _tag: "Reverse" } as const),
  fc.record({ _tag: fc.constant("OtherCarrier" as const), mask }),
  fc.constant({ _tag: "Foreign" } as const),
  fc.record({
    _tag: fc.constant("ItemErrors" as const),
    code: fc.constantFrom<number | string>(4016, "4016", 4014, 4015, 4012, 4999, "x"),
    mask,
    applied: fc.boolean()
  }),
  fc.record({
    _tag: fc.constant("Whole" as const),
    code: fc.constantFrom(4020, 202, 4012, 4999, 401, 4019, 429, 503),
    mirror: fc.boolean(),
    applied: fc.boolean()
  }),
  fc.record({
    _tag: fc.constant("Status" as const),
    status: fc.constantFrom(429 as const, 500 as const, 502 as const, 503 as const),
    body: fc.constantFrom("envelope" as const, "null" as const, "empty" as const, "html" as const, "number" as const),
    applied: fc.boolean()
  }),
  fc.record({
    _tag: fc.constant("Transport" as const),
    code: fc.constantFrom("ECONNRESET", "ECONNREFUSED", "ETIMEDOUT", "EOTHER"),
    applied: fc.boolean()
  }),
  fc.record({ _tag: fc.constant("BodyError" as const), applied: fc.boolean() }),
  fc.record({ _tag: fc.constant("Truncated" as const), applied: fc.boolean() }),
  fc.record({ _tag: fc.constant("Slow" as const), seconds: fc.integer({ min: 1, max: 5 }) }),
  fc.record({
    _tag: fc.constant("Shape" as const),
    data: fc.constantFrom<unknown>(
      null,
      [],
      "x",
      42,
      {},
      { trackings: "x" },
      { trackings: [{ tracking_number: 5 }] },
      { trackings: null, errors: null },
      { errors: [{ code: "x" }] },
      { items: 5 }
    ),
    applied: fc.boolean()
  })
)

/** One fault per request in order; once the script is spent, the server is honest. */
const script = fc.array(fault, { maxLength: 30 })


const timing: fc.Arbitrary<Timing> = fc.record({
  rate: fc.constantFrom("unlimited" as const, "1/s" as const),
  deadline: fc.option(fc.integer({ min: 0, max: 20 }), { nil: undefined })
})

/**
 * Each valid input gets an `orderId` of its own, which the server records on receipt: a `NotSent` input is then
 * one whose id never reached it. (Inputs the client refuses stay as they are.)
 */
const tagged = (items: ReadonlyArray<Requests.CreateTracking>): ReadonlyArray<Requests.CreateTracking> => {
  const out = new Array<Requests.CreateTracking>(items.length)
  for (let i = 0; i < items.length; i++) {
    if (!(i in items)) continue
    const item = items[i]
    out[i] = typeof item === "object" && item !== null && !("title" in item) && !("orderId" in item)
      ? { ...item, orderId: `order-${i}` }
      : item as Requests.CreateTracking
  }
  return out
}

const describeOutcome = (outcome: CreateOutcome.CreateOutcome | undefined): string =>
  outcome === undefined ? "nothing" : `${outcome._tag} of ${JSON.stringify(outcome.input)}`

/**
 * What holds for every input list and every server: one outcome per input, its own, and no tracking created
 * twice; an input `NotSent` never reached the server (`received`, by its `orderId`), one `Created` did.
 */
const assertOutcomes = (
  items: ReadonlyArray<Requests.CreateTracking>,
  outcomes: ReadonlyArray<CreateOutcome.CreateOutcome>,
  received?: (orderId: string) => boolean
) => {
  assert.strictEqual(outcomes.length, items.length, "one outcome per input")
  const created = new Set<string>()
  for (let i = 0; i < items.length; i++) {
    // `in`: a hole would pass `outcomes[i]?.input === undefined` for a sparse input's hole.
    assert.isTrue(i in outcomes, `index ${i} holds an outcome`)
    const outcome = outcomes[i]!
    assert.strictEqual(outcome.input, items[i], `index ${i} holds its own input, not ${describeOutcome(outcome)}`)
    switch (outcome._tag) {
      case "Created": {
        assert.strictEqual(outcome.tracking.trackingNumber, outcome.input.trackingNumber)
        const key = keyOf(outcome.tracking.trackingNumber, outcome.tracking.carrierCode)
        assert.isFalse(created.has(key), `${outcome.tracking.trackingNumber}/${outcome.tracking.carrierCode} created twice`)
        created.add(key)
        if (received !== undefined && outcome.input.orderId !== undefined) {
          assert.isTrue(received(outcome.input.orderId), `index ${i} is Created but never reached the server`)
        }
        break
      }
      case "Existed": {
        if (outcome.tracking !== undefined) {
          assert.strictEqual(outcome.tracking.trackingNumber, outcome.input.trackingNumber)
        }
        break
      }
      case "Failed": {
        assert.isTrue(TrackingMoreError.isTrackingMoreError(outcome.error), "a failure holds a typed error")
        break
      }
      case "NotSent": {
        assert.strictEqual(outcome.reason._tag, "DeadlineExceeded")
        if (received !== undefined) {
          assert.isDefined(outcome.input.orderId, `index ${i}: only inputs that could be sent are NotSent`)
          assert.isFalse(received(outcome.input.orderId!), `index ${i} is NotSent but reached the server`)
        }
        break
      }
      default:
        assert.fail(`not an outcome: ${JSON.stringify(outcome)}`)
    }
  }
}

describe("createMany (property)", () => {
  it.effect.prop(
    "for any inputs, fault script, rate and deadline, exactly one outcome per input, its own, no tracking created twice, and NotSent only for what never reached the server",
    [inputs, script, fc.integer({ min: 1, max: 4 }), timing],
    ([generated, faults, batchSize, timed]) =>
      Effect.gen(function*() {
        const items = tagged(generated)
        const http = server(faults)
        const [took, outcomes] = yield* createManyTimed(http.layer, batchSize, items, timed)
        const elapsed = Duration.toMillis(took)
        assertOutcomes(items, outcomes, http.received)
        if (timed.deadline === undefined) {
          assert.isFalse(outcomes.some(CreateOutcome.isNotSent), "without a deadline everything is sent")
        } else {
          // Nothing waits past the deadline; at most the attempts on the wire then (a Slow answer: 5 s) end after
          // it, and the test's clock moves in steps of 1 s.
          assert.isAtMost(elapsed, (timed.deadline + 5 + 1) * 1000, "the call ends soon after its deadline")
        }
      }),
    { fastCheck: { numRuns: 150 } }
  )

  it.effect.prop(
    "an honest server creates each new tracking once, reports a repeat as Existed, and refuses what the client refuses",
    [fc.array(input, { maxLength: 24 }), fc.integer({ min: 1, max: 5 })],
    ([items, batchSize]) =>
      Effect.gen(function*() {
        const outcomes = yield* createMany(server([]).layer, batchSize, items)
        assertOutcomes(items, outcomes)
        const seen = new Set<string>()
        items.forEach((item, i) => {
          const outcome = outcomes[i]!
          const valid = typeof item?.trackingNumber === "string" && item.trackingNumber.trim() !== "" &&
            typeof item.carrierCode === "string" && item.carrierCode.trim() !== "" &&
            !("title" in item)
          if (!valid || item.carrierCode === "nope") {
            assert.strictEqual(outcome._tag, "Failed", `index ${i}: ${describeOutcome(outcome)}`)
            return
          }
          const key = keyOf(item.trackingNumber, item.carrierCode)
          assert.strictEqual(outcome._tag, seen.has(key) ? "Existed" : "Created", `index ${i}`)
          seen.add(key)
        })
      }),
    { fastCheck: { numRuns: 100 } }
  )

  it.effect("an answer listing a created tracking twice gives one Created and one Existed, not two Created", () =>
    Effect.gen(function*() {
      const items = [{ trackingNumber: "RR1", carrierCode: "dhl" }, { trackingNumber: "RR1", carrierCode: "dhl" }]
      const outcomes = yield* createMany(server([{ _tag: "Duplicate", mask: [true] }]).layer, 40, items)
      assert.deepStrictEqual(outcomes.map((o) => o._tag), ["Created", "Existed"])
      assertOutcomes(items, outcomes)
    }))

  it.effect("a hole in a sparse input is refused like a missing tracking number", () =>
    Effect.gen(function*() {
      // Index 1 is a hole, as in `[a, , b]`.
      const items = new Array<Requests.CreateTracking>(3)
      items[0] = { trackingNumber: "RR1", carrierCode: "dhl" }
      items[2] = { trackingNumber: "RR2", carrierCode: "dhl" }
      const outcomes = yield* createMany(server([]).layer, 40, items)
      assert.deepStrictEqual(outcomes.map((o) => o._tag), ["Created", "Failed", "Created"])
      const hole = outcomes[1]
      assert.strictEqual(hole?._tag, "Failed")
      if (hole?._tag === "Failed") assert.strictEqual(hole.error._tag, "TrackingNumberRequired")
      assertOutcomes(items, outcomes)
    }))
})
