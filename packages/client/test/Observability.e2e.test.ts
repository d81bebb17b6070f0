import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as HttpClient from "@effect/platform/HttpClient"
import { afterAll, assert, beforeAll, beforeEach, describe, it } from "@effect/vitest"
import * as Gate from "@trackingmore-effect/core/Gate"
import * as Retry from "@trackingmore-effect/core/Retry"
import type { Simulator } from "@trackingmore-effect/simulator"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as Metric from "effect/Metric"
import type * as Option from "effect/Option"
import * as Tracer from "effect/Tracer"
import * as TrackingMoreClient from "../src/TrackingMoreClient.js"
import * as ApiKey from "@trackingmore-effect/core/ApiKey"
import { scaledOptions, startSimulator } from "./utils/sim.js"

let sim: Simulator.SimulatorServer

beforeAll(async () => {
  sim = await startSimulator()
})
beforeEach(() => sim.reset())
afterAll(() => sim.close())

interface Recorded {
  readonly name: string
  readonly attributes: Map<string, unknown>
  readonly events: Array<{ readonly name: string; readonly attributes: Record<string, unknown> | undefined }>
}

const recordingTracer = () => {
  const spans: Array<Recorded> = []
  const tracer = Tracer.make({
    span: (name, parent: Option.Option<Tracer.AnySpan>, context, links, startTime, kind) => {
      const recorded: Recorded = { name, attributes: new Map(), events: [] }
      spans.push(recorded)
      return {
        _tag: "Span",
        name,
        spanId: `${spans.length}`,
        traceId: "trace",
        parent,
        context,
        status: { _tag: "Started", startTime },
        attributes: recorded.attributes,
        links,
        sampled: true,
        kind,
        end: () => {},
        attribute: (key, value) => void recorded.attributes.set(key, value),
        event: (eventName, _time, attributes) => void recorded.events.push({ name: eventName, attributes }),
        addLinks: () => {}
      }
    },
    context: (f) => f()
  })
  return { spans, tracer }
}

const counterValue = (metric: Metric.Metric.Counter<number>, tag: string, value: string) =>
  Effect.map(Metric.value(Metric.tagged(metric, tag, value)), (state) => state.count)

describe("observability", () => {
  it.live("one span per logical call with its attempts, outcome and each wait with its reason; counters per tag", () =>
    Effect.gen(function*() {
      sim.setFaults({ scripted: { get: ["503"] } })
      const { spans, tracer } = recordingTracer()
      const errorsBefore = yield* counterValue(Retry.metrics.errors, "tag", "ServiceUnavailable")
      const backoffsBefore = yield* counterValue(Retry.metrics.waits, "reason", "backoff")
      const layer = TrackingMoreClient.layer(scaledOptions("sim-key-1", sim.baseUrl)).pipe(
        Layer.provide(FetchHttpClient.layer)
      )
      yield* Effect.flatMap(TrackingMoreClient.TrackingMoreClient, (client) =>
        Effect.zipRight(
          client.create({ trackingNumber: "OBS0000000001", carrierCode: "dhl" }),
          client.get("dhl", "OBS0000000001")
        )).pipe(Effect.provide(layer), Effect.withTracer(tracer))

      const logical = spans.filter((span) => span.name === "TrackingMore.get")
      assert.strictEqual(logical.length, 1, "one span for the logical call")
      const get = logical[0]!
      assert.strictEqual(get.attributes.get("trackingmore.endpoint"), "get")
      assert.strictEqual(get.attributes.get("trackingmore.attempts"), 2)
      assert.strictEqual(get.attributes.get("trackingmore.outcome"), "ok")
      const waits = get.events.filter((event) => event.name === "trackingmore.wait")
      const backoffs = waits.filter((event) => event.attributes?.["trackingmore.wait.reason"] === "backoff")
      assert.strictEqual(backoffs.length, 1)
      assert.strictEqual(backoffs[0]!.attributes?.["trackingmore.error.tag"], "ServiceUnavailable")
      // Any other wait is at the gate: the rate limit (1 request per scaled second) between the two attempts.
      for (const wait of waits) assert.oneOf(wait.attributes?.["trackingmore.wait.reason"], ["backoff", "gate"])
      // The attempts are not spans of their own: the call's span has the request and the last status.
      assert.deepStrictEqual(spans.map((span) => span.name), ["TrackingMore.create", "TrackingMore.get"])
      assert.strictEqual(get.attributes.get("http.request.method"), "GET")
      assert.strictEqual(get.attributes.get("url.full"), `${sim.baseUrl}/trackings/dhl/OBS0000000001`)
      assert.strictEqual(get.attributes.get("http.response.status_code"), 200)
      assert.strictEqual((yield* counterValue(Retry.metrics.errors, "tag", "ServiceUnavailable")) - errorsBefore, 1)
      assert.strictEqual((yield* counterValue(Retry.metrics.waits, "reason", "backoff")) - backoffsBefore, 1)
      assert.isFalse(spans.some((span) => span.name === "http.client"), "the platform's span (with the request) is off")
    }))

  it.live("a prober interrupted while it waits for its rate-limit token hands the probe on", () =>
    Effect.gen(function*() {
      const gate = yield* Gate.makeMemory
      const options = scaledOptions("sim-key-1", sim.baseUrl, 0.01, {
        rateLimits: {
          default: { limit: 1, window: "2 seconds" },
          realtime: { limit: 3, window: "1 second" },
          list: { limit: 1, window: "1 second" }
        }
      })
      const layer = TrackingMoreClient.layer(options).pipe(
        Layer.provide(Layer.merge(FetchHttpClient.layer, Layer.succeed(Gate.Gate, gate)))
      )
      yield* Effect.gen(function*() {
        const client = yield* TrackingMoreClient.TrackingMoreClient
        yield* client.carriers // takes the only token of the next two seconds
        yield* gate.cooldown(yield* ApiKey.fingerprint(options.apiKey), Date.now() + 50)
        const prober = yield* Effect.fork(client.userInfo) // passes the gate first, then waits for a token
        yield* Effect.sleep("300 millis")
        const follower = yield* Effect.fork(client.userInfo) // waits for the prober's outcome
        yield* Effect.sleep("100 millis")
        yield* Fiber.interrupt(prober)
        const info = yield* Fiber.join(follower).pipe(Effect.timeout("5 seconds"))
        assert.isDefined(info)
      }).pipe(Effect.provide(layer))
    }))

  it.live("the key header is redacted for a user's own HttpClient that logs requests", () =>
    Effect.gen(function*() {
      const logged: Array<string> = []
      const logging = Layer.effect(
        HttpClient.HttpClient,
        Effect.map(HttpClient.HttpClient, (client) =>
          HttpClient.tapRequest(client, (request) => Effect.log("sending", request)))
      ).pipe(Layer.provide(FetchHttpClient.layer))
      const capture = Logger.replace(
        Logger.defaultLogger,
        Logger.make((options) => void logged.push(Logger.logfmtLogger.log(options)))
      )
      const layer = TrackingMoreClient.layer(scaledOptions("sim-key-1", sim.baseUrl)).pipe(Layer.provide(logging))
      yield* Effect.flatMap(TrackingMoreClient.TrackingMoreClient, (client) => client.carriers).pipe(
        Effect.provide(layer),
        Effect.provide(capture)
      )
      assert.strictEqual(logged.length, 1)
      assert.include(logged[0]!, "trackingmore-api-key")
      assert.notInclude(logged[0]!, "sim-key-1")
    }))
})
