/**
 * A scripted TrackingMore server for `createMany` tests on the TestClock: a store of trackings that answers
 * honestly, except where a fault script says otherwise; and the client over it, as a user builds it.
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientError from "@effect/platform/HttpClientError"
import type * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as TestClock from "effect/TestClock"
import type * as Requests from "../../src/Requests.js"
import * as TrackingMoreClient from "../../src/TrackingMoreClient.js"

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
  readonly order_id?: string
}

/**
 * What the server does with one request. `applied`: the server acted on the request (created the trackings)
 * before the fault, so the answer is lost but the effect is not.
 */
export type Fault =
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
  | { readonly _tag: "Slow"; readonly seconds: number }

const at = (mask: ReadonlyArray<boolean>, index: number): boolean => mask[index % mask.length] === true

const envelope = (code: number, data: unknown) => JSON.stringify({ meta: { code, type: "t", message: "m" }, data })

export const keyOf = (number: string, carrier: string) => `${number}\u0000${carrier.toLowerCase()}`

export const server = (script: ReadonlyArray<Fault>) => {
  const store = new Map<string, WireTracking>()
  let requests = 0
  // The `order_id` of every item a batch request carried to the server, whatever it then answered.
  const received = new Set<string>()

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
    for (const item of items) if (item.order_id !== undefined) received.add(item.order_id)
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
      case "Slow":
        // Still on the wire when a deadline comes: the answer counts, the deadline does not cut it off.
        return Effect.zipRight(Effect.sleep(Duration.seconds(fault.seconds)), Effect.suspend(() => ok(act())))
    }
  }

  const layer = Layer.succeed(HttpClient.HttpClient, HttpClient.make((request) => Effect.suspend(() => answer(request))))
  return { layer, requests: () => requests, received: (orderId: string) => received.has(orderId) }
}

// ---------------------------------------------------------------------------------------------------------------
/**
 * How the call is timed: the key's rate limit (none, or the real 1 request/s) and the caller's overall deadline
 * in seconds (none, or from 0 to 20: shorter than the queue of many inputs at 1 request/s).
 */
export interface Timing {
  readonly rate: "unlimited" | "1/s"
  readonly deadline: number | undefined
}

// ---------------------------------------------------------------------------------------------------------------
// The client, as a user builds it, with waits short enough for a property (on the TestClock anyway).

const unlimited = { limit: 1e9, window: "1 second" } as const
const perSecond = { limit: 1, window: "1 second" } as const

/** The client over `http`; `policy` overrides the short waits below (e.g. a short per-call `deadline`). */
export const clientLayer = (
  http: Layer.Layer<HttpClient.HttpClient>,
  batchSize: number,
  rate: Timing["rate"] = "unlimited",
  policy: TrackingMoreClient.ClientOptions["policy"] = {}
) =>
  TrackingMoreClient.layer({
    apiKey: Redacted.make("property-test-key"),
    baseUrl: "http://tm.test/v2",
    batchSize,
    rateLimits: rate === "unlimited"
      ? { default: unlimited, realtime: unlimited, list: unlimited }
      : { default: perSecond, realtime: perSecond, list: perSecond },
    policy: {
      tooManyRequests: { wait: "1 second", maxCooldowns: 2 },
      serviceUnavailable: { base: "100 millis", cap: "1 second", maxRetries: 2 },
      serverError: { base: "100 millis", cap: "1 second", maxRetries: 2 },
      authHalt: "1 second",
      billingHalt: "1 second",
      ...policy
    }
  }).pipe(Layer.provide(http))

/** Runs an effect to its end on the TestClock, moving the clock on while it waits. */
export const runToEnd = <A, E>(effect: Effect.Effect<A, E>): Effect.Effect<A, E | string> =>
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

/** `createMany` of `items` on the TestClock, with `timed.deadline` (seconds) as its overall deadline. */
export const createMany = (
  http: Layer.Layer<HttpClient.HttpClient>,
  batchSize: number,
  items: ReadonlyArray<Requests.CreateTracking>,
  timed: Timing = { rate: "unlimited", deadline: undefined },
  policy: TrackingMoreClient.ClientOptions["policy"] = {}
) => Effect.map(createManyTimed(http, batchSize, items, timed, policy), ([, outcomes]) => outcomes)

/**
 * `createMany` as above, with how long the call itself took on the TestClock: from when it starts, after the
 * client is built (building it hashes the key with WebCrypto, real asynchronous work during which `runToEnd`
 * keeps moving the clock).
 */
export const createManyTimed = (
  http: Layer.Layer<HttpClient.HttpClient>,
  batchSize: number,
  items: ReadonlyArray<Requests.CreateTracking>,
  timed: Timing = { rate: "unlimited", deadline: undefined },
  policy: TrackingMoreClient.ClientOptions["policy"] = {}
) =>
  runToEnd(
    Effect.flatMap(
      TrackingMoreClient.TrackingMoreClient,
      (client) =>
        Effect.timed(
          client.createMany(items, timed.deadline === undefined ? undefined : { deadline: Duration.seconds(timed.deadline) })
        )
    ).pipe(Effect.provide(clientLayer(http, batchSize, timed.rate, policy)))
  )
