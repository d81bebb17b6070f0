import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientError from "@effect/platform/HttpClientError"
import type * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import { assert, describe, it } from "@effect/vitest"
import * as TrackingMoreError from "@trackingmore-effect/core/TrackingMoreError"
import * as Effect from "effect/Effect"
import * as fc from "effect/FastCheck"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as TestClock from "effect/TestClock"
import type { CreateOutcome } from "../src/CreateOutcome.js"
import type * as Tracking from "../src/Tracking.js"
import * as TrackingMoreClient from "../src/TrackingMoreClient.js"

// ---------------------------------------------------------------------------------------------------------------
// A scripted server: a store of trackings that answers honestly, except where the fault script says otherwise.

interface WireTracking {
  readonly id: string
  readonly tracking_number: string
  readonly carrier_code: string
  readonly status: string
}

interface WireItemError {
  readonly tracking_number: string | null
  readonly carrier_code: string | null
  readonly code: number | string
  readonly message: string
}

interface WireItem {
  readonly tracking_number: string
  readonly carrier_code: string
}

/**
 * What the server does with one request. `applied`: the server acted on the request (created the trackings)
 * before the fault, so the answer is lost but the effect is not.
 */
type Fault =
  | { readonly _tag: "Honest" }
  | { readonly _tag: "Omit"; readonly mask: ReadonlyArray<boolean> }
  | { readonly _tag: "Duplicate"; readonly mask: ReadonlyArray<boolean> }
  | { readonly _tag: "Reverse" }
  | { readonly _tag: "OtherCarrier"; readonly mask: ReadonlyArray<boolean> }
  | { readonly _tag: "Foreign" }
  | {
    readonly _tag: "ItemErrors"
    readonly code: number | string
    readonly mask: ReadonlyArray<boolean>
    readonly applied: boolean
  }
  | { readonly _tag: "Whole"; readonly code: number; readonly mirror: boolean; readonly applied: boolean }
  | {
    readonly _tag: "Status"
    readonly status: 429 | 500 | 502 | 503
    readonly body: "envelope" | "null" | "empty" | "html" | "number"
    readonly applied: boolean
  }
  | { readonly _tag: "Transport"; readonly code: string; readonly applied: boolean }
  | { readonly _tag: "BodyError"; readonly applied: boolean }
  | { readonly _tag: "Truncated"; readonly applied: boolean }
  | { readonly _tag: "Shape"; readonly data: unknown; readonly applied: boolean }

const at = (mask: ReadonlyArray<boolean>, index: number): boolean => mask[index % mask.length] === true

const envelope = (code: number, data: unknown) => JSON.stringify({ meta: { code, type: "t", message: "m" }, data })

const keyOf = (number: string, carrier: string) => `${number}\u0000${carrier.toLowerCase()}`

const server = (script: ReadonlyArray<Fault>) => {
  const store = new Map<string, WireTracking>()
  let requests = 0

  // The honest answer of a batch call, creating what is new.
  const batch = (items: ReadonlyArray<WireItem>) => {
    const trackings: Array<WireTracking> = []
    const errors: Array<WireItemError> = []
    for (const item of items) {
      const key = keyOf(item.tracking_number, item.carrier_code)
      if (item.carrier_code === "nope") {
        errors.push({ ...item, code: 4015, message: "invalid carrier" })
      } else if (store.has(key)) {
        errors.push({ ...item, code: 4016, message: "exists" })
      } else {
        const tracking = { id: `id-${store.size}`, ...item, status: "pending" }
        store.set(key, tracking)
        trackings.push(tracking)
      }
    }
    return { trackings, errors }
  }

  const list = (numbers: ReadonlyArray<string>) =>
    [...store.values()].filter((tracking) => numbers.includes(tracking.tracking_number))

  const respond = (request: HttpClientRequest.HttpClientRequest, body: BodyInit | null, status = 200) =>
    Effect.succeed(HttpClientResponse.fromWeb(request, new Response(body, { status })))

  const answer = (request: HttpClientRequest.HttpClientRequest) => {
    const fault = script[requests] ?? { _tag: "Honest" }
    requests++
    const isBatch = request.url.endsWith("/trackings/batch")
    const items: ReadonlyArray<WireItem> = isBatch
      ? JSON.parse(new TextDecoder().decode((request.body as { readonly body: Uint8Array }).body))
      : []
    const numbers = (request.urlParams.find(([name]) => name === "numbers")?.[1] ?? "").split(",")
    // The server's work, done at most once per request.
    const act = () => isBatch ? batch(items) : { trackings: list(numbers), errors: [] }
    const data = (result: { readonly trackings: ReadonlyArray<WireTracking>; readonly errors: ReadonlyArray<WireItemError> }) =>
      isBatch
        ? { submitted: items.length, added: result.trackings.length, ...result }
        : { page: 1, limit: 200, total: result.trackings.length, items: result.trackings }
    const ok = (result: Parameters<typeof data>[0]) => respond(request, envelope(200, data(result)))

    switch (fault._tag) {
      case "Honest":
        return ok(act())
      case "Omit": {
        const result = act()
        return ok({
          trackings: result.trackings.filter((_, i) => !at(fault.mask, i)),
          errors: result.errors.filter((_, i) => !at(fault.mask, i + 1))
        })
      }
      case "Duplicate": {
        const result = act()
        return ok({
          trackings: result.trackings.flatMap((t, i) => at(fault.mask, i) ? [t, t] : [t]),
          errors: result.errors.flatMap((e, i) => at(fault.mask, i) ? [e, e] : [e])
        })
      }
      case "Reverse": {
        const result = act()
        return ok({ trackings: [...result.trackings].reverse(), errors: [...result.errors].reverse() })
      }
      case "OtherCarrier": {
        const result = act()
        return ok({
          trackings: result.trackings.map((t, i) => at(fault.mask, i) ? { ...t, carrier_code: "other-post" } : t),
          errors: result.errors.map((e, i) => at(fault.mask, i) ? { ...e, carrier_code: "other-post" } : e)
        })
      }
      case "Foreign": {
        const result = act()
        return ok({
          trackings: [...result.trackings, { id: "foreign", tracking_number: "ZZ999", carrier_code: "dhl", status: "pending" }],
          errors: [
            ...result.errors,
            { tracking_number: null, carrier_code: null, code: 4014, message: "no number" },
            { tracking_number: "ZZ998", carrier_code: "dhl", code: 4016, message: "exists" }
          ]
        })
      }
      case "ItemErrors": {
        if (!isBatch) return ok(act())
        // The masked items are answered with the error, created or not as `applied` says.
        const masked = items.filter((_, i) => at(fault.mask, i))
        const rest = items.filter((_, i) => !at(fault.mask, i))
        if (fault.applied) batch(masked)
        const result = batch(rest)
        return ok({
          trackings: result.trackings,
          errors: [...result.errors, ...masked.map((item) => ({ ...item, code: fault.code, message: "item error" }))]
        })
      }
      case "Whole": {
        if (fault.applied) act()
        return respond(request, envelope(fault.code, null), fault.mirror && fault.code < 1000 ? fault.code : 200)
      }
      case "Status": {
        if (fault.applied) act()
        const body = {
          envelope: envelope(fault.status, null),
          null: "null",
          empty: "",
          html: "<html><body>Bad Gateway</body></html>",
          number: "0"
        }[fault.body]
        return respond(request, body, fault.status)
      }
      case "Transport": {
        if (fault.applied) act()
        return Effect.fail(
          new HttpClientError.RequestError({
            request,
            reason: "Transport",
            cause: Object.assign(new Error(`socket failure ${fault.code}`), { code: fault.code })
          })
        )
      }
      case "BodyError": {
        if (fault.applied) act()
        const stream = new ReadableStream({
          start: (controller) => controller.error(new Error("terminated"))
        })
        return respond(request, stream)
      }
      case "Truncated": {
        const full = envelope(200, data(fault.applied ? act() : { trackings: [], errors: [] }))
        return respond(request, full.slice(0, Math.floor(full.length / 2)))
      }
      case "Shape": {
        if (fault.applied) act()
        return respond(request, envelope(200, fault.data))
      }
    }
  }

  const layer = Layer.succeed(HttpClient.HttpClient, HttpClient.make((request) => Effect.suspend(() => answer(request))))
  return { layer, requests: () => requests }
}

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
) as fc.Arbitrary<Tracking.CreateTracking>

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

// ---------------------------------------------------------------------------------------------------------------
// The client, as a user builds it, with waits short enough for a property (on the TestClock anyway).

const unlimited = { limit: 1e9, window: "1 second" } as const

const clientLayer = (http: Layer.Layer<HttpClient.HttpClient>, batchSize: number) =>
  TrackingMoreClient.layer({
    apiKey: Redacted.make("property-test-key"),
    baseUrl: "http://tm.test/v2",
    batchSize,
    rateLimits: { default: unlimited, realtime: unlimited, list: unlimited },
    policy: {
      tooManyRequests: { wait: "1 second", maxCooldowns: 2 },
      serviceUnavailable: { base: "100 millis", cap: "1 second", maxRetries: 2 },
      serverError: { base: "100 millis", cap: "1 second", maxRetries: 2 },
      authHalt: "1 second",
      billingHalt: "1 second"
    }
  }).pipe(Layer.provide(http))

/** Runs an effect to its end on the TestClock, moving the clock on while it waits. */
const runToEnd = <A, E>(effect: Effect.Effect<A, E>): Effect.Effect<A, E | string> =>
  Effect.gen(function*() {
    const fiber = yield* Effect.fork(effect)
    for (let step = 0; step < 10_000; step++) {
      const exit = yield* Fiber.poll(fiber)
      if (Option.isSome(exit)) return yield* exit.value
      yield* TestClock.adjust("1 second")
    }
    yield* Fiber.interrupt(fiber)
    return yield* Effect.fail("createMany did not end within 10 000 simulated seconds")
  })

const createMany = (http: Layer.Layer<HttpClient.HttpClient>, batchSize: number, items: ReadonlyArray<Tracking.CreateTracking>) =>
  runToEnd(
    Effect.flatMap(TrackingMoreClient.TrackingMoreClient, (client) => client.createMany(items)).pipe(
      Effect.provide(clientLayer(http, batchSize))
    )
  )

const describeOutcome = (outcome: CreateOutcome | undefined): string =>
  outcome === undefined ? "nothing" : `${outcome._tag} of ${JSON.stringify(outcome.input)}`

/** What holds for every input list and every server: one outcome per input, its own, and no tracking created twice. */
const assertOutcomes = (items: ReadonlyArray<Tracking.CreateTracking>, outcomes: ReadonlyArray<CreateOutcome>) => {
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
      default:
        assert.fail(`not an outcome: ${JSON.stringify(outcome)}`)
    }
  }
}

describe("createMany (property)", () => {
  it.effect.prop(
    "for any inputs and any fault script, exactly one outcome per input, its own, and no tracking created twice",
    [inputs, script, fc.integer({ min: 1, max: 4 })],
    ([items, faults, batchSize]) =>
      Effect.gen(function*() {
        const http = server(faults)
        const outcomes = yield* createMany(http.layer, batchSize, items)
        assertOutcomes(items, outcomes)
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
      const items = new Array<Tracking.CreateTracking>(3)
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
