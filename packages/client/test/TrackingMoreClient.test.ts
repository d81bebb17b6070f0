import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientError from "@effect/platform/HttpClientError"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import { assert, describe, it } from "@effect/vitest"
import * as Config from "effect/Config"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as fc from "effect/FastCheck"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as TestClock from "effect/TestClock"
import * as Requests from "../src/Requests.js"
import * as Tracking from "../src/Tracking.js"
import * as TrackingMoreClient from "../src/TrackingMoreClient.js"
import { envelope, fake } from "./utils/http.js"

const unlimited = { limit: 1e9, window: "1 second" } as const
const options: TrackingMoreClient.ClientOptions = {
  apiKey: Redacted.make("unit-test-key"),
  baseUrl: "http://tm.test/v2/",
  rateLimits: { default: unlimited, realtime: unlimited, list: unlimited },
  // These tests are about one request on the TestClock: no batching window to move the clock through.
  batching: false
}

const withClient = <A, E>(
  httpLayer: Layer.Layer<HttpClient.HttpClient>,
  f: (client: TrackingMoreClient.Service) => Effect.Effect<A, E>
) => Effect.provide(Effect.flatMap(TrackingMoreClient.TrackingMoreClient, f), TrackingMoreClient.layer(options).pipe(Layer.provide(httpLayer)))

/** A client with the given attempt timeout over `http`, and no retries: a timed-out attempt ends the call. */
const timeoutLayer = (http: HttpClient.HttpClient, attemptTimeout: Duration.DurationInput) =>
  TrackingMoreClient.layer({ ...options, attemptTimeout, policy: { serverError: { maxRetries: 0 } } })
    .pipe(Layer.provide(Layer.succeed(HttpClient.HttpClient, http)))

/** An HttpClient that counts its requests and never answers (nor listens to its abort signal). */
const neverAnswering = () => {
  let requests = 0
  const http = HttpClient.make(() => Effect.zipRight(Effect.sync(() => void requests++), Effect.never))
  return { http, requests: () => requests }
}

const carriers = Effect.flatMap(TrackingMoreClient.TrackingMoreClient, (client) => client.carriers)

const knownKeys = new Set(Object.keys(Tracking.Tracking.fields).concat([
  "tracking_number", "carrier_code", "created_at", "updated_at", "order_id", "customer_name", "customer_email",
  "customer_phone", "logistics_channel", "original_country", "destination_country", "origin_info", "destination_info",
  "__proto__"
]))

const wireTracking = {
  id: "t1",
  tracking_number: "RR123456789CN",
  carrier_code: "china-post",
  status: "transit",
  archived: "false",
  order_id: null,
  something_new: { nested: true },
  origin_info: { trackinfo: [{ Date: "2024-01-01 10:00", StatusDescription: "Accepted", checkpoint_status: "transit" }] },
  destination_info: null
}

describe("TrackingMoreClient (fake HttpClient)", () => {
  it.effect("decodes leniently into camelCase; the request carries snake_case and the key header only", () => {
    const http = fake(() => envelope(201, wireTracking))
    return withClient(http.layer, (client) =>
      Effect.gen(function*() {
        const tracking = yield* client.create({ trackingNumber: "RR123456789CN", carrierCode: "china-post", orderId: "o-1" })
        assert.strictEqual(tracking.trackingNumber, "RR123456789CN")
        assert.strictEqual(tracking.carrierCode, "china-post")
        assert.strictEqual(tracking.archived, false)
        assert.isUndefined(tracking.orderId)
        assert.isUndefined(tracking.destinationInfo)
        assert.strictEqual(tracking.originInfo?.trackinfo?.[0]?.statusDescription, "Accepted")
        const request = http.requests[0]!
        assert.strictEqual(request.url, "http://tm.test/v2/trackings/post")
        assert.strictEqual(request.headers["trackingmore-api-key"], "unit-test-key")
        const body = JSON.parse(new TextDecoder().decode((request.body as { body: Uint8Array }).body))
        assert.deepStrictEqual(body, { tracking_number: "RR123456789CN", carrier_code: "china-post", order_id: "o-1" })
      }))
  })

  it.effect("a response that does not match the schema is a MalformedResponse, not a defect, and is not retried", () => {
    const http = fake(() => envelope(200, { tracking_number: 42 }))
    return withClient(http.layer, (client) =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(client.get("dhl", "DHL1234567"))
        assert.strictEqual(error._tag, "MalformedResponse")
        if (error._tag === "MalformedResponse") assert.strictEqual(error.kind, "unexpected-shape")
        assert.strictEqual(http.requests.length, 1)
      }))
  })

  it.effect("path segments are URI-encoded and list filters reach the query string", () => {
    const http = fake(() => envelope(200, { page: "1", limit: 100, total: 0, items: [] }))
    return withClient(http.layer, (client) =>
      Effect.gen(function*() {
        const page = yield* client.list({ numbers: ["A1", "B2"], status: "delivered", archived: false })
        assert.strictEqual(page.page, 1)
        const request = http.requests[0]!
        assert.strictEqual(request.url, "http://tm.test/v2/trackings/get")
        assert.deepStrictEqual(
          request.urlParams.map(([k, v]) => `${k}=${v}`),
          ["status=delivered", "numbers=A1,B2", "archived=false"]
        )
      }))
  })

  it.effect("a 429 on one call cools the key for every concurrent call of the client", () => {
    const http = fake((_request, n) => n === 1 ? envelope(429, []) : envelope(200, wireTracking))
    return withClient(http.layer, (client) =>
      Effect.gen(function*() {
        const first = yield* Effect.fork(client.get("china-post", "RR123456789CN"))
        yield* TestClock.adjust("1 millis")
        const others = yield* Effect.fork(
          Effect.all([client.userInfo, client.carriers, client.get("dhl", "DHL1234567")], {
            concurrency: "unbounded",
            mode: "either"
          })
        )
        yield* TestClock.adjust("119 seconds")
        assert.strictEqual(http.requests.length, 1)
        yield* TestClock.adjust("2 seconds")
        yield* Fiber.join(first)
        yield* Effect.either(Fiber.join(others))
        assert.strictEqual(http.requests.length, 5)
      }))
  })

  it.effect("a 429 with a Retry-After longer than two minutes cools the key that long", () => {
    let n = 0
    const layer = Layer.succeed(
      HttpClient.HttpClient,
      HttpClient.make((request) =>
        Effect.sync(() => {
          n++
          return HttpClientResponse.fromWeb(
            request,
            n === 1
              ? new Response(envelope(429, []), { status: 429, headers: { "retry-after": "200" } })
              : new Response(envelope(200, wireTracking), { status: 200 })
          )
        })
      )
    )
    return withClient(layer, (client) =>
      Effect.gen(function*() {
        const call = yield* Effect.fork(client.get("china-post", "RR123456789CN"))
        yield* TestClock.adjust("199 seconds")
        assert.strictEqual(n, 1)
        yield* TestClock.adjust("1 second")
        assert.strictEqual((yield* Fiber.join(call)).trackingNumber, "RR123456789CN")
        assert.strictEqual(n, 2)
      }))
  })

  it.effect("createMany maps trackings and item errors back to their inputs, whatever the order", () =>
    Effect.gen(function*() {
      const inputs = Array.from({ length: 7 }, (_, i) => ({ trackingNumber: `N${i}00000`, carrierCode: "dhl" }))
      const http = fake((request) => {
        const items = JSON.parse(new TextDecoder().decode((request.body as { body: Uint8Array }).body)) as Array<
          { tracking_number: string; carrier_code: string }
        >
        const trackings = items.filter((_, i) => i % 3 === 0).map((item) => ({ ...item, id: item.tracking_number }))
        const errors: Array<unknown> = items.filter((_, i) => i % 3 === 1)
          .map((item) => ({ ...item, code: 4016, message: "exists" }))
        errors.push(...items.filter((_, i) => i % 3 === 2).map((item) => ({ ...item, code: "4014", message: "bad" })))
        return envelope(200, { submitted: items.length, added: trackings.length, trackings: trackings.reverse(), errors })
      })
      const outcomes = yield* withClient(http.layer, (client) => client.createMany(inputs))
      assert.deepStrictEqual(outcomes.map((o) => o._tag), [
        "Created",
        "Existed",
        "Failed",
        "Created",
        "Existed",
        "Failed",
        "Created"
      ])
      outcomes.forEach((o, i) => assert.strictEqual(o.input, inputs[i]))
      const failed = outcomes[2]
      assert.strictEqual(failed?._tag, "Failed")
      if (failed?._tag === "Failed") assert.strictEqual(failed.error._tag, "InvalidTrackingNumber")
    }))

  it.effect("on the TestClock, an attempt with no answer times out after attemptTimeout", () => {
    const hanging = neverAnswering()
    return Effect.gen(function*() {
      const call = yield* Effect.fork(carriers)
      yield* TestClock.adjust("1999 millis")
      assert.isNull(call.unsafePoll(), "still waiting for its answer")
      yield* TestClock.adjust("1 millis")
      // No retries allowed: the call fails with the timeout.
      const error = yield* Effect.flip(Fiber.join(call))
      assert.strictEqual(error._tag, "TransportError")
      if (error._tag === "TransportError") assert.strictEqual(error.kind, "timeout")
      assert.strictEqual(hanging.requests(), 1)
    }).pipe(Effect.provide(timeoutLayer(hanging.http, "2 seconds")))
  })

  it.live("on the live clock, the attempt timeout aborts the request's signal", () => {
    const aborted: Array<boolean> = []
    const hanging = HttpClient.make((request, _url, signal) =>
      Effect.async<never, HttpClientError.RequestError>((resume) => {
        signal.addEventListener("abort", () => {
          aborted.push(true)
          resume(Effect.fail(new HttpClientError.RequestError({ request, reason: "Transport", cause: signal.reason })))
        })
      })
    )
    return Effect.gen(function*() {
      const started = Date.now()
      const error = yield* Effect.flip(carriers)
      assert.strictEqual(error._tag, "TransportError")
      if (error._tag === "TransportError") assert.strictEqual(error.kind, "timeout")
      assert.deepStrictEqual(aborted, [true])
      assert.isBelow(Date.now() - started, 2_000)
    }).pipe(Effect.provide(timeoutLayer(hanging, "50 millis")))
  })

  it.live("on the live clock, an HttpClient that ignores its signal still times out", () => {
    const deaf = neverAnswering()
    return Effect.gen(function*() {
      const started = Date.now()
      const error = yield* Effect.flip(carriers)
      assert.strictEqual(error._tag, "TransportError")
      if (error._tag === "TransportError") assert.strictEqual(error.kind, "timeout")
      assert.strictEqual(deaf.requests(), 1)
      assert.isBelow(Date.now() - started, 2_000)
    }).pipe(Effect.provide(timeoutLayer(deaf.http, "50 millis")))
  })

  it.live("the attempt timeout holds through HttpClient.followRedirects, whose second request is a new one", () => {
    const urls: Array<string> = []
    const redirecting = HttpClient.make((request, url, signal) =>
      Effect.async<HttpClientResponse.HttpClientResponse, HttpClientError.RequestError>((resume) => {
        urls.push(url.pathname)
        if (url.pathname.endsWith("/carriers")) {
          resume(Effect.succeed(HttpClientResponse.fromWeb(
            request,
            new Response(null, { status: 302, headers: { location: "http://tm.test/v2/elsewhere" } })
          )))
          return
        }
        // The redirected request stalls until its own signal is aborted.
        signal.addEventListener("abort", () =>
          resume(Effect.fail(new HttpClientError.RequestError({ request, reason: "Transport", cause: signal.reason }))))
      })
    )
    return Effect.gen(function*() {
      const started = Date.now()
      const error = yield* Effect.flip(carriers)
      assert.strictEqual(error._tag, "TransportError")
      if (error._tag === "TransportError") assert.strictEqual(error.kind, "timeout")
      assert.deepStrictEqual(urls, ["/v2/carriers", "/v2/elsewhere"])
      assert.isBelow(Date.now() - started, 2_000)
    }).pipe(Effect.provide(timeoutLayer(HttpClient.followRedirects(redirecting), "50 millis")))
  })

  it.live("an attempt timeout longer than a timer can wait (or infinite) is no timeout, not an instant one", () => {
    const slow = Layer.succeed(
      HttpClient.HttpClient,
      HttpClient.make((request) =>
        Effect.as(Effect.sleep("30 millis"), HttpClientResponse.fromWeb(request, new Response(envelope(200, []), { status: 200 })))
      )
    )
    return Effect.gen(function*() {
      for (const attemptTimeout of ["30 days", Duration.infinity] as const) {
        const layer = TrackingMoreClient.layer({ ...options, attemptTimeout }).pipe(Layer.provide(slow))
        const list = yield* Effect.provide(carriers, layer)
        assert.deepStrictEqual(list, [])
      }
    })
  })

  // An answer that declares its length (as a server does for a whole body) is read as text; only a chunked one
  // is streamed to count its bytes, and the platform aborts a streamed request when the stream ends.
  it.live("a successful request's signal is never aborted", () => {
    const signals: Array<AbortSignal> = []
    const body = envelope(200, [])
    const answering = Layer.succeed(
      HttpClient.HttpClient,
      HttpClient.make((request, _url, signal) =>
        Effect.sync(() => {
          signals.push(signal)
          return HttpClientResponse.fromWeb(
            request,
            new Response(body, { status: 200, headers: { "content-length": String(Buffer.byteLength(body)) } })
          )
        })
      )
    )
    return Effect.gen(function*() {
      yield* carriers
      yield* Effect.sleep("20 millis")
      assert.strictEqual(signals.length, 1)
      assert.isFalse(signals[0]!.aborted)
    }).pipe(Effect.provide(TrackingMoreClient.layer(options).pipe(Layer.provide(answering))))
  })

  it.effect("a request the HttpClient cannot build or send fails at once, naming why, without a retry", () =>
    Effect.gen(function*() {
      for (const [reason, cause] of [
        ["InvalidUrl", new TypeError("Invalid URL")],
        ["Encode", new Error("cyclic structure")],
        ["Transport", new TypeError("Headers.append: invalid header value")]
      ] as const) {
        let attempts = 0
        const refusing = Layer.succeed(
          HttpClient.HttpClient,
          HttpClient.make((request) =>
            Effect.suspend(() => {
              attempts++
              return Effect.fail(new HttpClientError.RequestError({ request, reason, cause }))
            })
          )
        )
        const error = yield* Effect.flip(withClient(refusing, (client) => client.carriers))
        assert.strictEqual(error._tag, "TransportError")
        if (error._tag === "TransportError") {
          assert.strictEqual(error.kind, "invalid-request")
          assert.include(error.message, cause.message)
        }
        assert.strictEqual(attempts, 1)
      }
    }))

  it.effect("layerConfig reads TRACKINGMORE_API_KEY and TRACKINGMORE_BASE_URL", () => {
    const http = fake(() => envelope(200, []))
    return Effect.gen(function*() {
      const client = yield* TrackingMoreClient.TrackingMoreClient
      yield* client.carriers
      const request = http.requests[0]!
      assert.strictEqual(request.url, "http://config.test/v2/carriers")
      assert.strictEqual(request.headers["trackingmore-api-key"], "from-config")
    }).pipe(
      Effect.provide(
        TrackingMoreClient.layerConfig({ rateLimits: Config.succeed(options.rateLimits) }).pipe(
          Layer.provide(http.layer),
          Layer.provide(Layer.setConfigProvider(ConfigProvider.fromMap(
            new Map([["TRACKINGMORE_API_KEY", "from-config"], ["TRACKINGMORE_BASE_URL", "http://config.test/v2"]])
          )))
        )
      )
    )
  })

  it.prop("listQueryParams: only the given filters, snake_case", [
    fc.record({ page: fc.nat(), limit: fc.nat(), createdAtMin: fc.nat(), lang: fc.string() }, { requiredKeys: [] })
  ], ([query]) => {
    const params = Requests.listQueryParams(query)
    assert.strictEqual(Object.keys(params).length, Object.keys(query).length)
    if (query.createdAtMin !== undefined) assert.strictEqual(params.created_at_min, String(query.createdAtMin))
  })

  const decode = Schema.decodeUnknownEither(Tracking.Tracking)
  it.prop("Tracking decodes any object with a number and a carrier, whatever unknown fields it carries", [
    fc.dictionary(fc.string().filter((k) => !knownKeys.has(k)), fc.jsonValue()),
    fc.string(),
    fc.string()
  ], ([extra, number, carrier]) => {
    const tracking = Effect.runSync(decode({ ...extra, tracking_number: number, carrier_code: carrier }))
    assert.strictEqual(tracking.trackingNumber, number)
  })
})
