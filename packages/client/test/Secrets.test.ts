import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import type * as HttpClient from "@effect/platform/HttpClient"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import type * as TrackingMoreError from "@trackingmore-effect/core/TrackingMoreError"
import type { Simulator } from "@trackingmore-effect/simulator"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import type * as Option from "effect/Option"
import * as Tracer from "effect/Tracer"
import { inspect } from "node:util"
import * as TrackingMoreClient from "../src/TrackingMoreClient.js"
import { scaledOptions, startSimulator } from "./utils/sim.js"

const secret = "tm-SECRET-key-4f9a0c1e77"
const wrongSecret = "tm-WRONG-key-99b2d3a4c5"

let sim: Simulator.SimulatorServer

beforeAll(async () => {
  sim = await startSimulator({ keys: [{ key: secret }] })
})
afterAll(() => sim.close())

/** Everything the run could leak: spans (names, attributes, events), log lines. */
const recorder = () => {
  const out: Array<string> = []
  const tracer = Tracer.make({
    span: (name, parent: Option.Option<Tracer.AnySpan>, context, links, startTime, kind) => {
      const attributes = new Map<string, unknown>()
      out.push(`span ${name}`)
      const span: Tracer.Span = {
        _tag: "Span",
        name,
        spanId: Math.random().toString(16).slice(2),
        traceId: parent._tag === "Some" ? parent.value.traceId : Math.random().toString(16).slice(2),
        parent,
        context,
        status: { _tag: "Started", startTime },
        attributes,
        links,
        sampled: true,
        kind,
        end: (_endTime, exit) => {
          out.push(`end ${name} ${inspect(exit, { depth: 10 })}`)
        },
        attribute: (key, value) => {
          attributes.set(key, value)
          out.push(`attr ${key}=${String(value)} ${inspect(value, { depth: 10 })}`)
        },
        event: (eventName, _time, eventAttributes) => {
          out.push(`event ${eventName} ${JSON.stringify(eventAttributes)}`)
        },
        addLinks: () => {}
      }
      return span
    },
    context: (f) => f()
  })
  const logger = Logger.make(({ annotations, message, spans }) => {
    out.push(`log ${inspect(message, { depth: 10 })} ${inspect(annotations)} ${inspect(spans)}`)
  })
  const layer = Layer.mergeAll(
    Layer.setTracer(tracer),
    Logger.replace(Logger.defaultLogger, logger),
    Logger.minimumLogLevel(LogLevel.All)
  )
  return { out, layer }
}

const assertNoSecret = (texts: ReadonlyArray<string>, key: string) => {
  for (const text of texts) {
    assert.notInclude(text, key)
  }
}

const run = <A>(
  apiKey: string,
  baseUrl: string,
  f: (client: TrackingMoreClient.Service) => Effect.Effect<A, unknown>,
  http: Layer.Layer<HttpClient.HttpClient> = FetchHttpClient.layer
) => {
  const { layer, out } = recorder()
  const client = TrackingMoreClient.layer(
    scaledOptions(apiKey, baseUrl)
  ).pipe(Layer.provide(http), Layer.orDie)
  return Effect.gen(function*() {
    const exit = yield* Effect.exit(
      Effect.flatMap(TrackingMoreClient.TrackingMoreClient, f).pipe(
        Effect.tapErrorCause((cause) => Effect.logError("call failed", cause)),
        Effect.withSpan("test")
      )
    )
    return { exit, out }
  }).pipe(Effect.provide(Layer.merge(client, layer)))
}

const everything = (exit: Exit.Exit<unknown, unknown>, out: ReadonlyArray<string>): Array<string> => {
  const texts = [...out, inspect(exit, { depth: 20 }), String(exit)]
  if (Exit.isFailure(exit)) {
    texts.push(Cause.pretty(exit.cause))
    for (const error of Cause.failures(exit.cause)) {
      texts.push(String(error), JSON.stringify(error), inspect(error, { depth: 20, showHidden: true }))
      texts.push((error as Error).message ?? "", (error as Error).stack ?? "")
    }
  }
  return texts
}

describe("the API key appears in no output", () => {
  it.live("a call through resets, 502 pages and 503s, then success", () =>
    Effect.gen(function*() {
      sim.setFaults({ scripted: { get: ["reset", "html502", "503"] } })
      const { exit, out } = yield* run(
        secret,
        sim.baseUrl,
        (client) => client.get("dhl", "DHL1234567", { register: true })
      )
      assert.deepStrictEqual(Exit.asVoid(exit), Exit.void)
      assert.isAbove(out.length, 5)
      assert.isTrue(out.some((line) => line.startsWith("span TrackingMore.get")))
      // The call's span carries the request's safe attributes (method, URL, status), which must hold no key.
      assert.isTrue(out.some((line) => line.includes("http.response.status_code")))
      assertNoSecret(everything(exit, out), secret)
    }))

  it.live("a call the server refuses (4001), then a halted call", () =>
    Effect.gen(function*() {
      const { exit, out } = yield* run(
        wrongSecret,
        sim.baseUrl,
        (client) => Effect.zipRight(Effect.either(client.carriers), client.userInfo)
      )
      assert.strictEqual(((yield* Effect.flip(exit)) as TrackingMoreError.TrackingMoreError)._tag, "InvalidApiKey")
      assertNoSecret(everything(exit, out), wrongSecret)
    }))

  it.live("a call that cannot connect (refused)", () =>
    Effect.gen(function*() {
      const closed = yield* Effect.promise(() => startSimulator())
      const baseUrl = closed.baseUrl
      yield* Effect.promise(() => closed.close())
      const { exit, out } = yield* run(secret, baseUrl, (client) => client.carriers)
      const error = (yield* Effect.flip(exit)) as TrackingMoreError.TrackingMoreError
      assert.strictEqual(error._tag, "TransportError")
      if (error._tag === "TransportError") assert.strictEqual(error.kind, "refused")
      assertNoSecret(everything(exit, out), secret)
    }))

  describe("credentials in the base URL (a proxy's user and password)", () => {
    const user = "proxy-user-7c1d"
    const password = "proxy-PASS-e8a2b9"
    const withCredentials = () => sim.baseUrl.replace("http://", `http://${user}:${password}@`)

    it.live("fetch refuses such a URL: the call fails at once, naming why, and nothing is sent or retried", () =>
      Effect.gen(function*() {
        const before = sim.log().length
        const { exit, out } = yield* run(secret, withCredentials(), (client) => client.carriers)
        const error = Exit.isFailure(exit)
          ? [...Cause.failures(exit.cause)][0] as TrackingMoreError.TrackingMoreError | undefined
          : undefined
        assert.strictEqual(error?._tag, "TransportError")
        if (error?._tag === "TransportError") {
          assert.strictEqual(error.kind, "invalid-request")
          assert.match(error.message, /could not be sent \(nothing reached the server\): .*credentials/)
        }
        // One attempt, no retry, nothing reached the simulator.
        assert.include(out, "attr trackingmore.attempts=1 1")
        assert.strictEqual(sim.log().length, before)
        const texts = everything(exit, out)
        for (const text of texts) {
          assert.notInclude(text, password)
          assert.notInclude(text, user)
        }
        assertNoSecret(texts, secret)
      }))

    it.live("short credentials are cut out as credentials, without mangling the rest of a message", () =>
      Effect.gen(function*() {
        const { exit } = yield* run(secret, sim.baseUrl.replace("http://", "http://u:t@"), (client) => client.carriers)
        const error = Exit.isFailure(exit)
          ? [...Cause.failures(exit.cause)][0] as TrackingMoreError.TrackingMoreError | undefined
          : undefined
        assert.strictEqual(error?._tag, "TransportError")
        // fetch's own words stay readable: "Request cannot be constructed from a URL that includes credentials".
        assert.include(error?.message, "cannot be constructed from a URL that includes credentials")
        assert.notInclude(error?.message, "u:t@")
      }))

    it.live("an HttpClient that sends it: url.full shows REDACTED in their place, as OpenTelemetry asks", () =>
      Effect.gen(function*() {
        const { exit, out } = yield* run(secret, withCredentials(), (client) => client.carriers, NodeHttpClient.layerUndici)
        assert.deepStrictEqual(Exit.asVoid(exit), Exit.void)
        const urls = out.filter((line) => line.startsWith("attr url.full="))
        assert.isAbove(urls.length, 0)
        for (const line of urls) assert.include(line, "//REDACTED:REDACTED@127.0.0.1")
        for (const text of everything(exit, out)) {
          assert.notInclude(text, password)
          assert.notInclude(text, user)
        }
      }))
  })
})
