import * as RateLimiter from "@effect/experimental/RateLimiter"
import * as Headers from "@effect/platform/Headers"
import * as HttpClient from "@effect/platform/HttpClient"
import type * as HttpClientError from "@effect/platform/HttpClientError"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as ApiKey from "@trackingmore-effect/core/ApiKey"
import * as Endpoint from "@trackingmore-effect/core/Endpoint"
import * as Envelope from "@trackingmore-effect/core/Envelope"
import * as Gate from "@trackingmore-effect/core/Gate"
import * as RateLimit from "@trackingmore-effect/core/RateLimit"
import * as Retry from "@trackingmore-effect/core/Retry"
import * as RetryBudget from "@trackingmore-effect/core/RetryBudget"
import * as TrackingMoreError from "@trackingmore-effect/core/TrackingMoreError"
import * as Clock from "effect/Clock"
import type * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Metric from "effect/Metric"
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import * as Rec from "effect/Record"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import { concat } from "./bytes.js"
import type { ResolvedOptions } from "./options.js"

/** The header the API key travels in; also added to the redacted header names of every request. */
export const apiKeyHeader = "trackingmore-api-key"

/** Counts attempts per endpoint (core's `Retry.metrics` count them per tag and reason). */
export const requests = Metric.counter("trackingmore_client_requests_total", {
  description: "HTTP requests sent by the TrackingMore client, tagged by endpoint"
})

interface RawResponse {
  readonly status: number
  /** The body, or `undefined` when it was larger than `maxResponseBytes` (and so not read to the end). */
  readonly body: string | undefined
  /** Its headers are read only for an error (`Retry-After`). */
  readonly response: HttpClientResponse.HttpClientResponse
}

// A user's own HttpClient that logs requests must print the key header as redacted.
const withKeyHeader = (names: ReadonlyArray<string | RegExp>): ReadonlyArray<string | RegExp> =>
  names.includes(apiKeyHeader) ? names : [...names, apiKeyHeader]

export interface Request<A, I> {
  readonly endpoint: Endpoint.Endpoint<Endpoint.Name>
  /** The path relative to the base URL, already URI-encoded (`Endpoint.path`). */
  readonly path: string
  readonly query?: Readonly<Record<string, string>> | undefined
  /** A JSON value, already in wire form. */
  readonly body?: unknown
  /** Decodes the envelope's `data`. */
  readonly response: Schema.Schema<A, I>
  /** Decodes `data` instead of the schema's own decoder, with the same results (a faster path, say). */
  readonly decode?: ((data: unknown) => Either.Either<A, ParseResult.ParseError>) | undefined
  readonly onNotRegistered?:
    | ((error: TrackingMoreError.NotRegistered) => Effect.Effect<void, TrackingMoreError.TrackingMoreError>)
    | undefined
  /** Overrides the policy's per-call deadline (`Duration.infinity`: none), e.g. with what is left of a bulk call's. */
  readonly deadline?: Duration.DurationInput | undefined
}

export interface Transport {
  /** The API key's fingerprint. */
  readonly key: string
  readonly request: <A, I>(request: Request<A, I>) => Effect.Effect<A, TrackingMoreError.TrackingMoreError>
}

const serviceOr = <I, S, E>(tag: Context.Tag<I, S>, fallback: Effect.Effect<S, E>): Effect.Effect<S, E> =>
  Effect.flatMap(Effect.serviceOption(tag), Option.match({ onNone: () => fallback, onSome: Effect.succeed }))

/**
 * The transport of one client: its HttpClient, its gate, budget and
 * rate limiter (shared ones from the context when present, in-memory ones otherwise), and the path of one call.
 */
export const make = (options: ResolvedOptions): Effect.Effect<Transport, never, HttpClient.HttpClient> =>
  Effect.gen(function*() {
    const key = yield* ApiKey.fingerprint(options.apiKey)
    // Every request carries these from the start, so that a user's HttpClient sees them (redacted, below).
    const headers = { [apiKeyHeader]: Redacted.value(options.apiKey), accept: "application/json" }
    const httpClient = (yield* HttpClient.HttpClient).pipe(
      // The platform's own `http.client` span would keep the request, and so the key header, in its exit
      // value; the call's span carries the safe attributes instead.
      HttpClient.withTracerDisabledWhen(() => true)
    )
    const gate = yield* serviceOr(Gate.Gate, Gate.makeMemory)
    const budget = yield* serviceOr(RetryBudget.RetryBudget, RetryBudget.makeMemory())
    const limiter = yield* serviceOr(RateLimiter.RateLimiter, RateLimit.makeMemory)
    // Text of a failure may quote the request (a header value, the URL): the key and the URL's credentials are
    // cut out of anything an error keeps.
    const scrub = scrubber(Redacted.value(options.apiKey), options.secrets)

    // One counter per endpoint, made once: a tagged metric's key is hashed when it is made.
    const counters = Rec.map(Endpoint.endpoints, (endpoint) => Metric.tagged(requests, "endpoint", endpoint.name))

    // One rate limit per endpoint group of the key, made once: its queue and its recovery after a cooldown are
    // shared by every call of the group.
    const services: Readonly<Record<Endpoint.RateGroup, Retry.RetryServices>> = yield* Effect.all(
      Rec.map(options.rateLimits, (rate, group) =>
        Effect.map(
          RateLimit.make({ limiter, key: `${key}:${group}`, rate }),
          (rateLimit): Retry.RetryServices => ({ gate, budget, rateLimit })
        ))
    )

    const request = <A, I>(spec: Request<A, I>): Effect.Effect<A, TrackingMoreError.TrackingMoreError> => {
      const { method } = spec.endpoint
      const context = { method, endpoint: spec.path }
      const decodeData = spec.decode ?? Schema.decodeUnknownEither(spec.response)
      const counter = counters[spec.endpoint.name]

      let httpRequest = HttpClientRequest.make(method)(`${options.baseUrl}${spec.path}`, { headers })
      if (spec.query !== undefined) httpRequest = HttpClientRequest.setUrlParams(httpRequest, spec.query)
      if (spec.body !== undefined) httpRequest = HttpClientRequest.bodyUnsafeJson(httpRequest, spec.body)

      // One HTTP exchange under the attempt timeout; the platform's error holds the request, and so the key
      // header: it is mapped where it arises.
      const exchange = httpClient.execute(httpRequest).pipe(
        // A user's own HttpClient that logs the request (before or after sending) prints the key header redacted.
        Effect.locallyWith(Headers.currentRedactedNames, withKeyHeader),
        Effect.flatMap((response) =>
          Effect.map(
            readBody(response, options.maxResponseBytes),
            (body): RawResponse => ({ status: response.status, body, response })
          )
        ),
        Effect.mapError((error) => fromHttpClientError(error, context, scrub)),
        Effect.timeoutFail({
          duration: options.attemptTimeout,
          onTimeout: () => TrackingMoreError.transport("timeout", undefined, context)
        })
      )

      const attempt = Effect.gen(function*() {
        yield* Metric.increment(counter)
        const raw = yield* exchange
        yield* Effect.annotateCurrentSpan("http.response.status_code", raw.status)
        return yield* decodeRaw(raw, yield* Clock.currentTimeMillis)
      })

      // The envelope, then its data.
      const decodeRaw = (raw: RawResponse, receivedAt: number): Either.Either<A, TrackingMoreError.TrackingMoreError> => {
        if (raw.body === undefined) {
          return Either.left(TrackingMoreError.malformed(
            raw.status,
            "too-large",
            "",
            context,
            `the body is larger than maxResponseBytes (${options.maxResponseBytes} bytes); it was not read further`
          ))
        }
        const envelope = Envelope.decode({
          status: raw.status,
          body: raw.body,
          get headers() {
            return raw.response.headers
          },
          method,
          endpoint: spec.path,
          receivedAt
        })
        if (Either.isLeft(envelope)) return Either.left(envelope.left)
        return Either.mapLeft(decodeData(envelope.right.data), (error) =>
          TrackingMoreError.malformed(
            raw.status,
            "unexpected-shape",
            raw.body ?? "",
            context,
            `unexpected data shape: ${ParseResult.TreeFormatter.formatErrorSync(error).slice(0, 300)}`
          ))
      }

      return Effect.zipRight(
        Effect.annotateCurrentSpan({ "http.request.method": method, "url.full": `${options.displayBaseUrl}${spec.path}` }),
        Retry.run(attempt, {
          key,
          idempotent: spec.endpoint.idempotent,
          policy: options.policy,
          onNotRegistered: spec.onNotRegistered,
          deadline: spec.deadline,
          services: services[spec.endpoint.group]
        })
      )
    }

    return { key, request }
  })

/**
 * Reads a body of at most `max` bytes; `undefined` when it is longer, and then the rest is not downloaded. A
 * declared `Content-Length` decides before reading: within the limit the body is read as text (the common
 * case), over it the download is cancelled. Without one (a chunked answer) the body is streamed and counted, and the
 * stream stops at the limit; the platform aborts a streamed request when its stream ends, which after a
 * complete body changes nothing.
 */
const readBody = (
  response: HttpClientResponse.HttpClientResponse,
  max: number
): Effect.Effect<string | undefined, HttpClientError.ResponseError> => {
  const declared = response.headers["content-length"]
  if (declared !== undefined && /^\d+$/.test(declared)) {
    // Over the limit: the stream is opened and closed at its first piece, which cancels the download now
    // rather than when the response is garbage-collected.
    return Number(declared) > max
      ? Effect.as(Stream.runForEachWhile(response.stream, () => Effect.succeed(false)), undefined)
      : response.text
  }
  return Effect.suspend(() => {
    const chunks: Array<Uint8Array> = []
    let size = 0
    return Effect.map(
      Stream.runForEachWhile(response.stream, (chunk) =>
        Effect.sync(() => {
          size += chunk.byteLength
          if (size > max) return false
          chunks.push(chunk)
          return true
        })),
      () => size > max ? undefined : utf8.decode(concat(chunks, size))
    )
  })
}

const utf8 = new TextDecoder("utf-8")


/**
 * Replaces every occurrence of the secrets in a text: the API key with `<redacted>`, a URL's credentials
 * (`user:password@`) with `REDACTED:REDACTED@`, as OpenTelemetry writes them.
 */
const scrubber = (apiKey: string, userInfo: ReadonlyArray<string>) => {
  const replacements: ReadonlyArray<readonly [string, string]> = [
    ...[...new Set(userInfo)].map((secret) => [secret, "REDACTED:REDACTED@"] as const),
    [apiKey, "<redacted>"]
  ]
  return (text: string): string =>
    replacements.reduce((out, [secret, replacement]) => out.split(secret).join(replacement), text)
}

type Scrub = (text: string) => string

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

interface ErrorLike {
  readonly name?: unknown
  readonly code?: unknown
  readonly message?: unknown
}

const innermost = (error: unknown): ErrorLike => {
  let current: unknown = error
  let last: ErrorLike = {}
  for (let depth = 0; depth < 6 && typeof current === "object" && current !== null; depth++) {
    last = current as ErrorLike
    current = (current as { readonly cause?: unknown }).cause
  }
  return last
}

/**
 * The innermost cause's name, code and message, without the request (its headers hold the key) and with the key
 * and the URL's credentials cut out of the message.
 */
const sanitizedCause = (error: unknown, scrub: Scrub): Error => {
  const last = innermost(error)
  const out = new Error(typeof last.message === "string" ? scrub(last.message) : "transport failure")
  out.name = typeof last.name === "string" ? last.name : "Error"
  if (typeof last.code === "string") Object.assign(out, { code: last.code })
  return out
}

// Node's and undici's codes for a request refused before anything was sent.
const unsendableCodes = /^(ERR_INVALID_URL|ERR_INVALID_HTTP_TOKEN|ERR_INVALID_CHAR|ERR_INVALID_ARG_VALUE|ERR_INVALID_ARG_TYPE|UND_ERR_INVALID_ARG|ERR_UNESCAPED_CHARACTERS)$/

/**
 * Whether the request never left this process: the platform could not build it (`InvalidUrl`, `Encode`), or
 * `fetch` refused it with a `TypeError` of its own (a network failure is its `TypeError("fetch failed")`, with
 * the network error as cause), or Node refused a header or URL.
 */
const isUnsendable = (error: HttpClientError.HttpClientError): boolean => {
  if (error._tag !== "RequestError") return false
  if (error.reason === "InvalidUrl" || error.reason === "Encode") return true
  const cause = (error as { readonly cause?: unknown }).cause
  if (cause instanceof TypeError && cause.message !== "fetch failed" && cause.cause === undefined) return true
  const code = (innermost(cause).code)
  return typeof code === "string" && unsendableCodes.test(code)
}

/** Maps an HttpClient failure to a `TransportError` by the kind its cause reveals. */
export const fromHttpClientError = (
  error: HttpClientError.HttpClientError,
  context: TrackingMoreError.ErrorContext,
  scrub: Scrub
): TrackingMoreError.TrackingMoreError => {
  const cause = (error as { readonly cause?: unknown }).cause
  if (isUnsendable(error)) {
    const reason = sanitizedCause(cause ?? error, scrub)
    return TrackingMoreError.transport("invalid-request", reason, context, reason.message)
  }
  const codes = errorCodes(cause)
  const has = (pattern: RegExp) => codes.some((code) => pattern.test(code))
  const kind: TrackingMoreError.TransportErrorKind = has(/ECONNREFUSED/i)
    ? "refused"
    : has(/ECONNRESET|EPIPE|UND_ERR_SOCKET|other side closed|socket hang up|terminated/i)
    ? "reset"
    : has(/ETIMEDOUT|UND_ERR_.*TIMEOUT/i)
    ? "timeout"
    : "other"
  return TrackingMoreError.transport(kind, sanitizedCause(cause ?? error, scrub), context)
}
