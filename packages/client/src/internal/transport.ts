import * as RateLimiter from "@effect/experimental/RateLimiter"
import * as Headers from "@effect/platform/Headers"
import * as HttpClient from "@effect/platform/HttpClient"
import type * as HttpClientError from "@effect/platform/HttpClientError"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as Envelope from "@trackingmore-effect/core/Envelope"
import * as Gate from "@trackingmore-effect/core/Gate"
import type * as Policy from "@trackingmore-effect/core/Policy"
import * as Retry from "@trackingmore-effect/core/Retry"
import * as RetryBudget from "@trackingmore-effect/core/RetryBudget"
import * as TrackingMoreError from "@trackingmore-effect/core/TrackingMoreError"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Metric from "effect/Metric"
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import { createHash } from "node:crypto"

/** The rate-limit groups of the API, the same grouping the simulator uses. */
export type RateGroup = "default" | "realtime" | "list"

export interface RateLimit {
  readonly limit: number
  readonly window: Duration.DurationInput
}

export type HttpMethod = "GET" | "POST" | "PUT" | "DELETE"

/** The header the API key travels in; also added to the redacted header names of every request. */
export const apiKeyHeader = "trackingmore-api-key"

/** Counts attempts per endpoint (core's `Retry.metrics` count them per tag and reason). */
export const requests = Metric.counter("trackingmore_client_requests_total", {
  description: "HTTP requests sent by the TrackingMore client, tagged by endpoint"
})

const counters = new Map<string, Effect.Effect<void>>()
const countRequest = (endpoint: string): Effect.Effect<void> => {
  let counter = counters.get(endpoint)
  if (counter === undefined) {
    counter = Metric.increment(Metric.tagged(requests, "endpoint", endpoint))
    counters.set(endpoint, counter)
  }
  return counter
}

const disabled = () => true

// A user's own HttpClient that logs requests must print the key header as redacted.
const withKeyHeader = (names: ReadonlyArray<string | RegExp>): ReadonlyArray<string | RegExp> =>
  names.includes(apiKeyHeader) ? names : [...names, apiKeyHeader]

/** First 16 hex digits of the SHA-256 of the key: identifies the key in gates, budgets and limiters. */
export const fingerprint = (apiKey: Redacted.Redacted<string>): string =>
  createHash("sha256").update(Redacted.value(apiKey)).digest("hex").slice(0, 16)

export interface Request<A, I> {
  /** Logical endpoint name: `create`, `batch`, `get`, … (the simulator's names). */
  readonly endpoint: string
  readonly method: HttpMethod
  /** Relative to the base URL, already URI-encoded. */
  readonly path: string
  readonly query?: Readonly<Record<string, string>> | undefined
  /** A JSON value, already in wire form. */
  readonly body?: unknown
  readonly group: RateGroup
  readonly idempotent: boolean
  /** Decodes the envelope's `data`. */
  readonly response: Schema.Schema<A, I>
  readonly onNotRegistered?:
    | ((error: TrackingMoreError.NotRegistered) => Effect.Effect<void, TrackingMoreError.TrackingMoreError>)
    | undefined
}

export interface TransportOptions {
  readonly apiKey: Redacted.Redacted<string>
  readonly baseUrl: string
  readonly policy: Policy.PolicyConfig
  readonly rateLimits: Readonly<Record<RateGroup, RateLimit>>
  readonly attemptTimeout: Duration.Duration
}

export interface Transport {
  readonly key: string
  readonly gate: Gate.Gate
  readonly request: <A, I>(request: Request<A, I>) => Effect.Effect<A, TrackingMoreError.TrackingMoreError>
}

/**
 * The transport of one client: its gate, budget and rate limiter (shared ones from the context when present,
 * in-memory ones otherwise), and the path of one call.
 */
export const make = (options: TransportOptions): Effect.Effect<Transport, never, HttpClient.HttpClient> =>
  Effect.gen(function*() {
    const httpClient = yield* HttpClient.HttpClient
    const gate = yield* Effect.serviceOption(Gate.Gate).pipe(
      Effect.flatMap(Option.match({ onNone: () => Gate.makeMemory, onSome: Effect.succeed }))
    )
    const budget = yield* Effect.serviceOption(RetryBudget.RetryBudget).pipe(
      Effect.flatMap(Option.match({ onNone: () => RetryBudget.makeMemory(), onSome: Effect.succeed }))
    )
    const limiter = yield* Effect.serviceOption(RateLimiter.RateLimiter).pipe(
      Effect.flatMap(Option.match({
        onNone: () => RateLimiter.make.pipe(Effect.provide(RateLimiter.layerStoreMemory)),
        onSome: Effect.succeed
      }))
    )
    const key = fingerprint(options.apiKey)
    const baseUrl = options.baseUrl.replace(/\/+$/, "")

    // Takes a rate-limit token after the gate and, when the key started to cool while this caller waited for
    // its token, goes back to the gate: no request is sent inside a cooldown.
    const limitedGate = (group: RateGroup): Gate.Gate => {
      const rate = options.rateLimits[group]
      // The limiter's delays are reserved in advance: a caller woken late would send right after the one before
      // it, and at full rate the server's spare token never comes back. So sends are also spaced at least
      // window/limit apart from the previous actual send of this client (check and set in one step).
      const spacing = Duration.toMillis(rate.window) / rate.limit
      let lastSent = -Infinity
      // Succeeds with whether it had to wait.
      const pace = (waited: boolean): Effect.Effect<boolean> =>
        Effect.flatMap(Clock.currentTimeMillis, (now) => {
          const wait = lastSent + spacing - now
          // Timers have millisecond granularity: a sub-millisecond wait would sleep a whole millisecond per caller
          // and cap a client with (effectively) no limit at about 1000 calls/s.
          if (wait < 1) {
            lastSent = now
            return Effect.succeed(waited)
          }
          return Effect.zipRight(Effect.sleep(Duration.millis(wait)), pace(true))
        })
      // Succeeds with whether the caller had to wait, measured on the clock: a limiter may wait itself (the
      // Redis one does) and hand back a token that is due now.
      const take = Effect.flatMap(Clock.currentTimeMillis, (before) =>
        limiter.consume({
          key: `${key}:${group}`,
          limit: rate.limit,
          window: rate.window,
          algorithm: "token-bucket",
          onExceeded: "delay"
        }).pipe(
          Effect.flatMap((result) =>
            Duration.isZero(result.delay) ? pace(false) : Effect.zipRight(Effect.sleep(result.delay), pace(true))
          ),
          Effect.flatMap((waited) => Effect.map(Clock.currentTimeMillis, (after) => waited || after > before)),
          Effect.mapError((error) =>
            TrackingMoreError.transport("other", undefined, {
              serverMessage: `rate limiter unavailable: ${error.reason}`
            })
          )
        ))
      // Only a caller that slept for its token can have missed a cooldown that started meanwhile. A prober
      // interrupted (or failing) while it waits for its token hands the probe on: otherwise every other caller
      // on the key would wait for it forever.
      const awaitKey: Gate.Gate["await"] = (gateKey, awaitOptions) =>
        Effect.uninterruptibleMask((restore) =>
          Effect.flatMap(restore(gate.await(gateKey, awaitOptions)), (pass) => {
            const afterToken = Effect.flatMap(take, (waited) =>
              pass === "probe" || !waited
                ? Effect.succeed(pass)
                : Effect.flatMap(
                  gate.state(gateKey),
                  (state) => state._tag === "Open" ? Effect.succeed(pass) : awaitKey(gateKey, awaitOptions)
                ))
            return pass === "probe"
              ? Effect.onExit(restore(afterToken), (exit) => Exit.isSuccess(exit) ? Effect.void : gate.settle(gateKey, false))
              : restore(afterToken)
          })
        )
      return { ...gate, await: awaitKey }
    }

    const gates: Record<RateGroup, Gate.Gate> = {
      default: limitedGate("default"),
      realtime: limitedGate("realtime"),
      list: limitedGate("list")
    }

    const request = <A, I>(spec: Request<A, I>): Effect.Effect<A, TrackingMoreError.TrackingMoreError> => {
      const url = `${baseUrl}${spec.path}`
      const context = { method: spec.method, endpoint: spec.path }
      const decodeData = Schema.decodeUnknownEither(spec.response)
      const count = countRequest(spec.endpoint)
      const attempt = Effect.suspend(() => {
        // The key is read from its Redacted box here, at the last moment, and only into the header.
        let req = HttpClientRequest.make(spec.method)(url, {
          headers: { [apiKeyHeader]: Redacted.value(options.apiKey), accept: "application/json" }
        })
        if (spec.query !== undefined) req = HttpClientRequest.setUrlParams(req, spec.query)
        if (spec.body !== undefined) req = HttpClientRequest.bodyUnsafeJson(req, spec.body)
        return Effect.zipRight(count, Effect.locallyWith(httpClient.execute(req), Headers.currentRedactedNames, withKeyHeader))
      }).pipe(
        Effect.flatMap((response) =>
          Effect.map(response.text, (body) => ({ status: response.status, headers: { ...response.headers }, body }))
        ),
        Effect.tap((raw) => Effect.annotateCurrentSpan("http.response.status_code", raw.status)),
        Effect.catchAll((error) => Effect.fail(fromHttpClientError(error, context))),
        Effect.timeoutFail({
          duration: options.attemptTimeout,
          onTimeout: () => TrackingMoreError.transport("timeout", undefined, context)
        }),
        Effect.flatMap((raw) =>
          Effect.flatMap(Clock.currentTimeMillis, (receivedAt) => {
            const decoded = Envelope.decode({ ...raw, ...context, receivedAt })
            if (Either.isLeft(decoded)) return Effect.fail(decoded.left)
            const data = decodeData(decoded.right.data)
            return Either.isRight(data)
              ? Effect.succeed(data.right)
              : Effect.fail(
                TrackingMoreError.malformed(
                  raw.status,
                  "unexpected-shape",
                  raw.body,
                  context,
                  `unexpected data shape: ${ParseResult.TreeFormatter.formatErrorSync(data.left).slice(0, 300)}`
                )
              )
          })
        ),
        // The platform's own `http.client` span would keep the request (and so the key header) in its exit
        // value: it is disabled for these requests and replaced by a span with safe attributes only.
        Effect.locally(HttpClient.currentTracerDisabledWhen, disabled),
        Effect.withSpan(`TrackingMore.attempt ${spec.endpoint}`, {
          kind: "client",
          captureStackTrace: false,
          attributes: {
            "http.request.method": spec.method,
            "url.full": url,
            "trackingmore.endpoint": spec.endpoint
          }
        })
      )
      return Retry.run(attempt, {
        key,
        idempotent: spec.idempotent,
        policy: options.policy,
        onNotRegistered: spec.onNotRegistered
      }).pipe(
        Effect.provideService(Gate.Gate, gates[spec.group]),
        Effect.provideService(RetryBudget.RetryBudget, budget)
      )
    }

    return { key, gate, request }
  })

const errorCodes = (error: unknown): ReadonlyArray<string> => {
  const codes: Array<string> = []
  let current: unknown = error
  for (let depth = 0; depth < 6 && typeof current === "object" && current !== null; depth++) {
    const code = (current as { readonly code?: unknown }).code
    if (typeof code === "string") codes.push(code)
    const message = (current as { readonly message?: unknown }).message
    if (typeof message === "string") codes.push(message)
    current = (current as { readonly cause?: unknown }).cause
  }
  return codes
}

/** The innermost cause's name, code and message, without the request (its headers hold the key). */
const sanitizedCause = (error: unknown): Error => {
  let current: unknown = error
  let last: { readonly name?: unknown; readonly code?: unknown; readonly message?: unknown } = {}
  for (let depth = 0; depth < 6 && typeof current === "object" && current !== null; depth++) {
    last = current as typeof last
    current = (current as { readonly cause?: unknown }).cause
  }
  const out = new Error(typeof last.message === "string" ? last.message : "transport failure")
  out.name = typeof last.name === "string" ? last.name : "Error"
  if (typeof last.code === "string") Object.assign(out, { code: last.code })
  return out
}

/** Maps an HttpClient failure to a `TransportError` by the kind its cause reveals. */
export const fromHttpClientError = (
  error: HttpClientError.HttpClientError,
  context: TrackingMoreError.ErrorContext
): TrackingMoreError.TrackingMoreError => {
  const cause = (error as { readonly cause?: unknown }).cause
  const codes = errorCodes(cause)
  const has = (pattern: RegExp) => codes.some((code) => pattern.test(code))
  const kind: TrackingMoreError.TransportErrorKind = has(/ECONNREFUSED/i)
    ? "refused"
    : has(/ECONNRESET|EPIPE|UND_ERR_SOCKET|other side closed|socket hang up|terminated/i)
    ? "reset"
    : has(/ETIMEDOUT|UND_ERR_.*TIMEOUT/i)
    ? "timeout"
    : "other"
  return TrackingMoreError.transport(kind, sanitizedCause(cause ?? error), context)
}
