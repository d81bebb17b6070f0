/**
 * The words of an error's message: what the code or the failure means, what the server said (when it said
 * something else), when to retry, and where the call was going.
 */
import * as Duration from "effect/Duration"
import type * as StatusCode from "../StatusCode.js"
import type { ErrorContext, MalformedKind, TransportErrorKind, WaitingFor } from "../TrackingMoreError.js"

const truncate = (text: string, max: number): string => text.length <= max ? text : `${text.slice(0, max)}…`

const describe = (meaning: string, context: ErrorContext): string => {
  const where = context.method !== undefined && context.endpoint !== undefined
    ? ` (${context.method} ${context.endpoint})`
    : context.endpoint !== undefined
    ? ` (${context.endpoint})`
    : ""
  const said = context.serverMessage !== undefined && context.serverMessage.length > 0 &&
      context.serverMessage !== meaning
    ? ` Server said: "${truncate(context.serverMessage, 200)}".`
    : ""
  const wait = context.retryAfter !== undefined ? ` Retry after ${Duration.format(context.retryAfter)}.` : ""
  return `${meaning}${said}${wait}${where}`
}

/** The message of a `meta.code`: its documented meaning, or why it is an `UnknownStatus`. */
export const ofCode = (code: number, entry: StatusCode.StatusCode | undefined, context: ErrorContext): string =>
  describe(
    entry === undefined
      ? `Undocumented TrackingMore status code ${code}.`
      : entry.category === "success"
      ? `Status ${code} is a success code and cannot be an error.`
      : entry.meaning,
    context
  )

/** What each kind of unreadable answer means, in words (a `MalformedResponse`'s default `reason`). */
export const malformedReasons: Record<MalformedKind, string> = {
  "empty": "empty body",
  "html": "HTML instead of JSON",
  "invalid-json": "invalid or truncated JSON",
  "no-envelope": "JSON without a meta.code envelope",
  "unexpected-shape": "unexpected data shape",
  "too-large": "the body is larger than the client accepts",
  "other": "unreadable answer"
}

/** The message of a `MalformedResponse`. */
export const malformed = (status: number, reason: string, context: ErrorContext): string =>
  describe(`Unreadable TrackingMore answer (HTTP ${status}): ${reason}.`, context)

const transportMeaning: Record<TransportErrorKind, string> = {
  reset: "The connection to TrackingMore was reset before an answer arrived.",
  refused: "The connection to TrackingMore was refused.",
  timeout: "TrackingMore did not answer before the attempt timed out.",
  "invalid-request": "The request to TrackingMore could not be sent (nothing reached the server).",
  other: "The request to TrackingMore failed before an answer arrived."
}

/** The message of a `TransportError`, with the failure's own words (`detail`) when there are some. */
export const transport = (kind: TransportErrorKind, context: ErrorContext, detail: string | undefined): string =>
  describe(
    detail === undefined ? transportMeaning[kind] : `${transportMeaning[kind].slice(0, -1)}: ${truncate(detail, 200)}.`,
    context
  )

const waitingForMeaning: Record<WaitingFor, string> = {
  "cooldown": "the API key cools down after a 429",
  "rate-limit": "the API key's rate limit allows no earlier request",
  "probe": "another call is testing the API key after a cooldown"
}

/** The message of a `DeadlineExceeded` for a call that would have waited until `until` (epoch ms). */
export const deadlineExceeded = (waitingFor: WaitingFor, until: number, context: ErrorContext): string =>
  describe(
    `The call's deadline passes before it could be sent: ${waitingForMeaning[waitingFor]} until ${
      Number.isFinite(until) ? new Date(until).toISOString() : "further notice"
    }. Nothing was sent.`,
    context
  )
