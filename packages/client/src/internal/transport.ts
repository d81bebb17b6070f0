import * as RateLimiter from "@effect/experimental/RateLimiter"
import * as Headers from "@effect/platform/Headers"
import * as HttpClient from "@effect/platform/HttpClient"
import type * as HttpClientError from "@effect/platform/HttpClientError"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Envelope from "@trackingmore-effect/core/Envelope"
import * as Gate from "@trackingmore-effect/core/Gate"
import * as Retry from "@trackingmore-effect/core/Retry"
import * as RetryBudget from "@trackingmore-effect/core/RetryBudget"
import * as TrackingMoreError from "@trackingmore-effect/core/TrackingMoreError"
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as FiberRef from "effect/FiberRef"
import * as Metric from "effect/Metric"
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import { createHash } from "node:crypto"
import type { RateGroup, ResolvedOptions } from "./options.js"

export type HttpMethod = "GET" | "POST" | "PUT" | "DELETE"

/** The header the API key travels in; also added to the redacted header names of every request. */
export const apiKeyHeader = "trackingmore-api-key"

/** Counts attempts per endpoint (core's `Retry.metrics` count them per tag and reason). */
export const requests = Metric.counter("trackingmore_client_requests_total", {
  description: "HTTP requests sent by the TrackingMore client, tagged by endpoint"
})

const counters = new Map<string, Metric.Metric.Counter<number>>()
const requestCounter = (endpoint: string): Metric.Metric.Counter<number> => {
  let counter = counters.get(endpoint)
  if (counter === undefined) {
    counter = Metric.tagged(requests, "endpoint", endpoint)
    counters.set(endpoint, counter)
  }
  return counter
}

const disabled = () => true

/** The clock of the default runtime: attempts on it time out with a plain timer (see `request`). */
const liveClock: Clock.Clock = Effect.runSync(Effect.clock)

/** The longest delay a Node timer takes. */
const maxTimerMillis = 2 ** 31 - 1

interface RawResponse {
  readonly status: number
  /** The body, or `undefined` when it was larger than `maxResponseBytes` (and so not read to the end). */
  readonly body: string | undefined
  /** Its headers are read only for an error (`Retry-After`): building them costs on every call. */
  readonly response: HttpClientResponse.HttpClientResponse
}

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
  /** Decodes `data` instead of the schema's own decoder, with the same results (a faster path, say). */
  readonly decode?: ((data: unknown) => Either.Either<A, ParseResult.ParseError>) | undefined
  readonly onNotRegistered?:
    | ((error: TrackingMoreError.NotRegistered) => Effect.Effect<void, TrackingMoreError.TrackingMoreError>)
    | undefined
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
export const make = (options: ResolvedOptions): Effect.Effect<Transport, never, HttpClient.HttpClient> =>
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
    const baseUrl = options.baseUrl
    // Text of a failure may quote the request (a header value, the URL): the key and the URL's credentials are
    // cut out of anything an error keeps.
    const scrub = scrubber([Redacted.value(options.apiKey), ...options.secrets])

    // Takes a rate-limit token after the gate and, when the key started to cool while this caller waited for
    // its token, goes back to the gate: no request is sent inside a cooldown.
    const limitedGate = (group: RateGroup): Gate.Gate => {
      const rate = options.rateLimits[group]
      // The limiter's delays are reserved in advance: a caller woken late would send right after the one before
      // it, and at full rate the server's spare token never comes back. So sends are also spaced at least
      // window/limit apart from the previous actual send of this client (check and set in one step).
      const spacing = Duration.toMillis(rate.window) / rate.limit
      // Every wait for the rate limit is bounded by the caller's deadline: one that would end after it fails now.
      const sleepWithin = (clock: Clock.Clock, millis: number, deadline: number | undefined) =>
        deadline !== undefined && clock.unsafeCurrentTimeMillis() + millis > deadline
          ? Effect.fail(
            new Gate.DeadlineExceeded({ until: clock.unsafeCurrentTimeMillis() + millis, deadline, waitingFor: "rate-limit" })
          )
          : clock.sleep(Duration.millis(millis))
      let lastSent = -Infinity
      // Succeeds with whether it had to wait.
      const pace = (
        clock: Clock.Clock,
        waited: boolean,
        deadline: number | undefined
      ): Effect.Effect<boolean, Gate.DeadlineExceeded> =>
        Effect.suspend(() => {
          const now = clock.unsafeCurrentTimeMillis()
          const wait = lastSent + spacing - now
          // Timers have millisecond granularity: a sub-millisecond wait would sleep a whole millisecond per caller
          // and cap a client with (effectively) no limit at about 1000 calls/s.
          if (wait < 1) {
            lastSent = now
            return Effect.succeed(waited)
          }
          return Effect.zipRight(sleepWithin(clock, wait, deadline), pace(clock, true, deadline))
        })
      const consumeOptions = {
        key: `${key}:${group}`,
        limit: rate.limit,
        // Decoded once: the limiter decodes it on every call.
        window: rate.window,
        algorithm: "token-bucket",
        onExceeded: "delay"
      } as const
      // Takes a token, then continues with whether the caller had to wait, measured on the clock: a limiter may
      // wait itself (the Redis one does) and hand back a token that is due now.
      const take = <A, E>(deadline: number | undefined, then: (waited: boolean) => Effect.Effect<A, E>) =>
        Effect.clockWith((clock) => {
          const before = clock.unsafeCurrentTimeMillis()
          return Effect.matchEffect(limiter.consume(consumeOptions), {
            onFailure: (error) =>
              Effect.fail(TrackingMoreError.transport("other", undefined, {
                serverMessage: `rate limiter unavailable: ${error.reason}`
              })),
            onSuccess: (result) => {
              // The common case, a token due now and no pacing wait, is decided here without further steps.
              if (Duration.isZero(result.delay)) {
                const now = clock.unsafeCurrentTimeMillis()
                if (lastSent + spacing - now < 1) {
                  lastSent = now
                  return then(now > before)
                }
              }
              return Effect.flatMap(
                Duration.isZero(result.delay)
                  ? pace(clock, false, deadline)
                  : Effect.zipRight(sleepWithin(clock, Duration.toMillis(result.delay), deadline), pace(clock, true, deadline)),
                (waited) => then(waited || clock.unsafeCurrentTimeMillis() > before)
              )
            }
          })
        })
      // Only a caller that slept for its token can have missed a cooldown that started meanwhile. A prober
      // interrupted (or failing) while it waits for its token hands the probe on: otherwise every other caller
      // on the key would wait for it forever.
      const awaitKey: Gate.Gate["await"] = (gateKey, awaitOptions) =>
        Effect.uninterruptibleMask((restore) =>
          Effect.flatMap(restore(gate.await(gateKey, awaitOptions)), (pass) => {
            const afterToken = take(awaitOptions?.deadline, (waited) =>
              pass === "probe" || !waited
                ? Effect.succeed(pass)
                : Effect.flatMap(
                  gate.state(gateKey),
                  (state) => state._tag === "Open" ? Effect.succeed(pass) : awaitKey(gateKey, awaitOptions)
                )
            )
            return pass === "probe"
              ? Effect.onExit(restore(afterToken), (exit) => Exit.isSuccess(exit) ? Effect.void : gate.settle(gateKey, false))
              : restore(afterToken)
          })
        )
      return { ...gate, await: awaitKey }
    }

    const services: Record<RateGroup, Retry.RetryServices> = {
      default: { gate: limitedGate("default"), budget },
      realtime: { gate: limitedGate("realtime"), budget },
      list: { gate: limitedGate("list"), budget }
    }

    const attemptTimeoutMillis = Duration.toMillis(options.attemptTimeout)
    // A timer cannot wait longer (Node would fire it after 1 ms): such a timeout, like an infinite one, is none.
    const attemptTimeoutOn = attemptTimeoutMillis <= maxTimerMillis

    const request = <A, I>(spec: Request<A, I>): Effect.Effect<A, TrackingMoreError.TrackingMoreError> => {
      const url = `${baseUrl}${spec.path}`
      const displayUrl = `${options.displayBaseUrl}${spec.path}`
      const context = { method: spec.method, endpoint: spec.path }
      const decodeData = spec.decode ?? Schema.decodeUnknownEither(spec.response)
      const counter = requestCounter(spec.endpoint)
      const timeoutError = () => TrackingMoreError.transport("timeout", undefined, context)

      const exchange: Effect.Effect<RawResponse, HttpClientError.HttpClientError> = Effect.suspend(() => {
        // The key is read from its Redacted box here, at the last moment, and only into the header.
        let req = HttpClientRequest.make(spec.method)(url, {
          headers: { [apiKeyHeader]: Redacted.value(options.apiKey), accept: "application/json" }
        })
        if (spec.query !== undefined) req = HttpClientRequest.setUrlParams(req, spec.query)
        if (spec.body !== undefined) req = HttpClientRequest.bodyUnsafeJson(req, spec.body)
        return Effect.flatMap(
          httpClient.execute(req),
          (response) =>
            Effect.map(
              readBody(response, options.maxResponseBytes),
              (body): RawResponse => ({ status: response.status, body, response })
            )
        )
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
        const decoded = Envelope.decode({
          status: raw.status,
          body: raw.body,
          get headers() {
            return raw.response.headers
          },
          method: context.method,
          endpoint: context.endpoint,
          receivedAt
        })
        if (Either.isLeft(decoded)) return Either.left(decoded.left)
        const data = decodeData(decoded.right.data)
        return Either.isRight(data) ? Either.right(data.right) : Either.left(
          TrackingMoreError.malformed(
            raw.status,
            "unexpected-shape",
            raw.body,
            context,
            `unexpected data shape: ${ParseResult.TreeFormatter.formatErrorSync(data.left).slice(0, 300)}`
          )
        )
      }

      // The platform's error holds the request, and so the key header: it is mapped where it arises.
      const safeExchange = Effect.mapError(exchange, (error) => fromHttpClientError(error, context, scrub))

      // One HTTP exchange under the attempt timeout, with two fiber refs the platform reads set for it: the key
      // header redacted for a user's logging HttpClient, and the platform's own `http.client` span off (it would
      // keep the request, and so the key header, in its exit value; the call's span has safe attributes instead).
      // On the live clock the exchange runs in a fiber of its own that a plain timer interrupts: one fork, where
      // `Effect.timeoutFail` forks the exchange and a sleeping fiber and merges their refs back. Interrupting the
      // exchange (not only aborting its signal) stops any HttpClient, however it is wrapped. Every call takes
      // this path, so the refs are set with plain `FiberRef.set`s (`Effect.locally` takes some twenty steps).
      const attempt = Effect.uninterruptibleMask((restore) =>
        Effect.withFiberRuntime<A, TrackingMoreError.TrackingMoreError>((fiber) => {
          // What `Metric.increment` does, without its runtime steps.
          counter.unsafeUpdate(1, fiber.getFiberRef(FiberRef.currentMetricLabels))
          const outerRedacted = fiber.getFiberRef(Headers.currentRedactedNames)
          const span = fiber.currentSpan?._tag === "Span" ? fiber.currentSpan : undefined
          span?.attribute("http.request.method", spec.method)
          span?.attribute("url.full", displayUrl)
          const clock = Context.get(fiber.currentDefaultServices, Clock.Clock)
          const setRefs = Effect.zipRight(
            FiberRef.set(HttpClient.currentTracerDisabledWhen, disabled),
            FiberRef.set(Headers.currentRedactedNames, withKeyHeader(outerRedacted))
          )
          // Runs after the exchange, and after the caller's refs are restored when they were set.
          const decoded = (raw: RawResponse) =>
            Effect.suspend(() => {
              span?.attribute("http.response.status_code", raw.status)
              const result = decodeRaw(raw, clock.unsafeCurrentTimeMillis())
              return Either.isRight(result) ? Effect.succeed(result.right) : Effect.fail(result.left)
            })
          if (clock !== liveClock || !attemptTimeoutOn) {
            // Any other clock (a TestClock) decides the timeout itself; the refs are set and restored around it.
            const restoreRefs = Effect.zipRight(
              FiberRef.set(HttpClient.currentTracerDisabledWhen, fiber.getFiberRef(HttpClient.currentTracerDisabledWhen)),
              FiberRef.set(Headers.currentRedactedNames, outerRedacted)
            )
            const timed = clock === liveClock
              ? safeExchange
              : Effect.timeoutFail(safeExchange, { duration: options.attemptTimeout, onTimeout: timeoutError })
            return Effect.zipRight(
              setRefs,
              Effect.matchCauseEffect(restore(timed), {
                onSuccess: (raw) => Effect.zipRight(restoreRefs, decoded(raw)),
                onFailure: (cause) => Effect.zipRight(restoreRefs, Effect.failCause(cause))
              })
            )
          }
          // The exchange's fiber sets the refs for itself: the caller's stay as they are.
          return Effect.flatMap(Effect.forkDaemon(Effect.zipRight(setRefs, Effect.interruptible(safeExchange))), (child) => {
            let timedOut = false
            const timer = setTimeout(() => {
              timedOut = true
              child.unsafeInterruptAsFork(fiber.id())
            }, attemptTimeoutMillis)
            // The child's exit, observed directly (`Fiber.await` would first send the child a message).
            const childExit = Effect.async<Exit.Exit<RawResponse, TrackingMoreError.TrackingMoreError>>((resume) => {
              const observer = (exit: Exit.Exit<RawResponse, TrackingMoreError.TrackingMoreError>) =>
                resume(Effect.succeed(exit))
              child.addObserver(observer)
              // The caller is interrupted: so is its request, and the caller waits for it to end.
              return Effect.suspend(() => {
                clearTimeout(timer)
                child.removeObserver(observer)
                return Fiber.interrupt(child)
              })
            })
            return Effect.flatMap(restore(childExit), (exit) => {
              clearTimeout(timer)
              if (Exit.isSuccess(exit)) return decoded(exit.value)
              return Effect.failCause(
                timedOut && Cause.isInterruptedOnly(exit.cause) ? Cause.fail(timeoutError()) : exit.cause
              )
            })
          })
        })
      )

      return Retry.run(attempt, {
        key,
        idempotent: spec.idempotent,
        policy: options.policy,
        onNotRegistered: spec.onNotRegistered,
        services: services[spec.group]
      })
    }

    return { key, gate, request }
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

const concat = (chunks: ReadonlyArray<Uint8Array>, size: number): Uint8Array => {
  if (chunks.length === 1) return chunks[0]!
  const out = new Uint8Array(size)
  let offset = 0
  for (const chunk of chunks) {
    out.set(chunk, offset)
    offset += chunk.byteLength
  }
  return out
}

/** Replaces every occurrence of the secrets in a text with `<redacted>`. */
const scrubber = (secrets: ReadonlyArray<string>) => {
  const parts = [...new Set(secrets.filter((secret) => secret.length > 0))]
  return (text: string): string => parts.reduce((out, secret) => out.split(secret).join("<redacted>"), text)
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
