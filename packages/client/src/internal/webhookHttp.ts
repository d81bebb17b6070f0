/**
 * `Webhook.httpApp`: the request body read within its limit (and drained past it, so that the sender sees the
 * 413), the delivery checked, `onUpdate` run, and every outcome answered with its status, never a crash.
 */
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Stream from "effect/Stream"
import type * as Tracking from "../Tracking.js"
import type { Options } from "../Webhook.js"
import { concat } from "./bytes.js"
import type { WebhookError } from "./webhookError.js"
import { malformed, tooLarge } from "./webhookError.js"
import * as webhookDecode from "./webhookDecode.js"
import * as webhookOptions from "./webhookOptions.js"

/** 401 for a bad, missing or expired signature, 400 for a malformed body, 413 for one too large. */
export const statusOf = (error: WebhookError): 400 | 401 | 413 => {
  switch (error._tag) {
    case "InvalidSignature":
    case "WebhookExpired":
      return 401
    case "MalformedWebhook":
      return 400
    case "WebhookTooLarge":
      return 413
  }
}

const json = (status: number, body: Record<string, unknown>) => HttpServerResponse.unsafeJson(body, { status })
const internalError = () => json(500, { error: "InternalError", message: "The update could not be handled" })

/** Reads the request body, at most `maxBodyBytes` of it. */
const readBody = (maxBodyBytes: number) =>
  Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const declared = Number(request.headers["content-length"])
    if (Number.isFinite(declared) && declared > maxBodyBytes) return yield* tooLarge(maxBodyBytes)
    const chunks: Array<Uint8Array> = []
    let size = 0
    // Past the limit, the rest is read and dropped (up to as much again, at least 1 MiB) rather than the read
    // stopped: a server that stops reading a request closes its connection, and the sender never sees the 413.
    const drainLimit = maxBodyBytes + Math.max(maxBodyBytes, webhookOptions.defaultMaxBodyBytes)
    yield* request.stream.pipe(
      Stream.mapError(() => malformed("empty", "The webhook body could not be read")),
      Stream.runForEach((chunk) => {
        size += chunk.length
        if (size > drainLimit) return tooLarge(maxBodyBytes)
        if (size <= maxBodyBytes) chunks.push(chunk)
        return Effect.void
      })
    )
    if (size > maxBodyBytes) return yield* tooLarge(maxBodyBytes)
    return concat(chunks, size)
  })

export const httpApp = <A, E, R>(
  options: Options,
  onUpdate: (tracking: Tracking.Tracking) => Effect.Effect<A, E, R>
): Effect.Effect<HttpServerResponse.HttpServerResponse, never, HttpServerRequest.HttpServerRequest | R> => {
  const checked = webhookOptions.validateOptions(options)
  return Effect.gen(function*() {
    if (Either.isLeft(checked)) {
      yield* Effect.logError("TrackingMore webhook: invalid options", checked.left)
      return internalError()
    }
    const request = yield* HttpServerRequest.HttpServerRequest
    if (request.method !== "POST") {
      return json(405, { error: "MethodNotAllowed", message: "TrackingMore webhooks are POSTs" })
    }
    const outcome = yield* Effect.either(
      Effect.flatMap(
        readBody(options.maxBodyBytes ?? webhookOptions.defaultMaxBodyBytes),
        (body) => webhookDecode.decode(body, options)
      )
    )
    if (Either.isLeft(outcome)) {
      const error = outcome.left
      yield* Effect.logDebug("TrackingMore webhook refused").pipe(Effect.annotateLogs("error", error._tag))
      return json(statusOf(error), { error: error._tag, message: error.message })
    }
    const handled = yield* Effect.exit(onUpdate(outcome.right))
    if (handled._tag === "Failure") {
      if (!Cause.isInterruptedOnly(handled.cause)) {
        yield* Effect.logError("TrackingMore webhook: onUpdate failed", handled.cause)
      }
      return internalError()
    }
    return json(200, { ok: true })
  }).pipe(
    // Last line of defence: whatever escapes above (a defect in reading the request) is a 500, never a crash.
    Effect.catchAllCause((cause) =>
      Effect.as(Effect.logError("TrackingMore webhook: the delivery could not be handled", cause), internalError())
    )
  )
}
