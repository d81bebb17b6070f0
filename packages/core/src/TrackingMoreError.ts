/**
 * One `Schema.TaggedError` class per non-success TrackingMore status code, plus `UnknownStatus`,
 * `MalformedResponse`, `TransportError` and `DeadlineExceeded`, so that `Effect.catchTag("TrackingNotFound", …)` works per code.
 *
 * @since 0.1.0
 */
import type * as Duration from "effect/Duration"
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"
import * as internal from "./internal/errorClass.js"
import * as message from "./internal/errorMessage.js"
import * as StatusCode from "./StatusCode.js"

/**
 * @since 0.1.0
 * @category type ids
 */
export const TypeId: unique symbol = internal.TypeId

/**
 * @since 0.1.0
 * @category type ids
 */
export type TypeId = typeof TypeId

/**
 * Where a call was going and what the server answered, used to build an error.
 *
 * @since 0.1.0
 * @category models
 */
export interface ErrorContext {
  readonly serverMessage?: string | undefined
  readonly retryAfter?: Duration.Duration | undefined
  readonly method?: string | undefined
  readonly endpoint?: string | undefined
}

/** @since 0.1.0 @category errors */
export class LimitExceeded extends internal.codeError<LimitExceeded>()("LimitExceeded") {}
/** @since 0.1.0 @category errors */
export class Unauthorized extends internal.codeError<Unauthorized>()("Unauthorized") {}
/** @since 0.1.0 @category errors */
export class InvalidApiKey extends internal.codeError<InvalidApiKey>()("InvalidApiKey") {}
/** @since 0.1.0 @category errors */
export class ApiKeyDeleted extends internal.codeError<ApiKeyDeleted>()("ApiKeyDeleted") {}
/** @since 0.1.0 @category errors */
export class InvalidRequest extends internal.codeError<InvalidRequest>()("InvalidRequest") {}
/** @since 0.1.0 @category errors */
export class TrackingNumberRequired extends internal.codeError<TrackingNumberRequired>()("TrackingNumberRequired") {}
/** @since 0.1.0 @category errors */
export class InvalidTrackingNumber extends internal.codeError<InvalidTrackingNumber>()("InvalidTrackingNumber") {}
/** @since 0.1.0 @category errors */
export class InvalidCarrierCode extends internal.codeError<InvalidCarrierCode>()("InvalidCarrierCode") {}
/** @since 0.1.0 @category errors */
export class TrackingAlreadyExists extends internal.codeError<TrackingAlreadyExists>()("TrackingAlreadyExists") {}
/** @since 0.1.0 @category errors */
export class TrackingNotFound extends internal.codeError<TrackingNotFound>()("TrackingNotFound") {}
/** @since 0.1.0 @category errors */
export class ActivationRequired extends internal.codeError<ActivationRequired>()("ActivationRequired") {}
/** @since 0.1.0 @category errors */
export class InsufficientBalance extends internal.codeError<InsufficientBalance>()("InsufficientBalance") {}
/** @since 0.1.0 @category errors */
export class BatchTooLarge extends internal.codeError<BatchTooLarge>()("BatchTooLarge") {}
/** @since 0.1.0 @category errors */
export class QuotaExhausted extends internal.codeError<QuotaExhausted>()("QuotaExhausted") {}
/** @since 0.1.0 @category errors */
export class NotRegistered extends internal.codeError<NotRegistered>()("NotRegistered") {}
/** @since 0.1.0 @category errors */
export class CarrierNotDetected extends internal.codeError<CarrierNotDetected>()("CarrierNotDetected") {}
/** @since 0.1.0 @category errors */
export class InvalidStatus extends internal.codeError<InvalidStatus>()("InvalidStatus") {}
/** @since 0.1.0 @category errors */
export class PaymentRequired extends internal.codeError<PaymentRequired>()("PaymentRequired") {}
/** @since 0.1.0 @category errors */
export class Forbidden extends internal.codeError<Forbidden>()("Forbidden") {}
/** @since 0.1.0 @category errors */
export class NotFound extends internal.codeError<NotFound>()("NotFound") {}
/** @since 0.1.0 @category errors */
export class MethodNotAllowed extends internal.codeError<MethodNotAllowed>()("MethodNotAllowed") {}
/** @since 0.1.0 @category errors */
export class Conflict extends internal.codeError<Conflict>()("Conflict") {}
/** @since 0.1.0 @category errors */
export class TooManyRequests extends internal.codeError<TooManyRequests>()("TooManyRequests") {}
/** @since 0.1.0 @category errors */
export class ServerError extends internal.codeError<ServerError>()("ServerError") {}
/** @since 0.1.0 @category errors */
export class ServiceUnavailable extends internal.codeError<ServiceUnavailable>()("ServiceUnavailable") {}

/**
 * A `meta.code` that TrackingMore does not document. The code is kept so nothing is lost.
 *
 * @since 0.1.0
 * @category errors
 */
export class UnknownStatus extends internal.withTypeId(
  Schema.TaggedError<UnknownStatus>()("UnknownStatus", {
    code: Schema.Number,
    ...internal.contextFields
  })
) {}

/**
 * What was wrong with an unreadable answer. `empty`, `html` and `invalid-json` mean the body was lost or
 * replaced on the way (a proxy page, a cut connection); `no-envelope` and `unexpected-shape` mean the server
 * answered something this client does not understand.
 *
 * @since 0.1.0
 * @category models
 */
export const MalformedKind = Schema.Literal(
  "empty",
  "html",
  "invalid-json",
  "no-envelope",
  "unexpected-shape",
  "too-large",
  "other"
)

/**
 * @since 0.1.0
 * @category models
 */
export type MalformedKind = typeof MalformedKind.Type

/**
 * The answer could not be read as a TrackingMore envelope: an HTML page from a proxy, an empty body, truncated
 * JSON, data of an unexpected shape, a body larger than the client accepts (`too-large`: it was not read to the
 * end). `code` is the HTTP status; `kind` says what was wrong, `reason` says it in
 * words; `bodyExcerpt` holds at most 512 characters of what came.
 *
 * @since 0.1.0
 * @category errors
 */
export class MalformedResponse extends internal.withTypeId(
  Schema.TaggedError<MalformedResponse>()("MalformedResponse", {
    code: Schema.Number,
    kind: MalformedKind,
    reason: Schema.String,
    bodyExcerpt: Schema.String,
    ...internal.contextFields
  })
) {}

/**
 * What kind of transport failure happened. `invalid-request` means the request could not even be sent (a URL
 * or header the HTTP client refuses): nothing reached TrackingMore, and repeating it cannot help.
 *
 * @since 0.1.0
 * @category models
 */
export const TransportErrorKind = Schema.Literal("reset", "refused", "timeout", "invalid-request", "other")

/**
 * @since 0.1.0
 * @category models
 */
export type TransportErrorKind = typeof TransportErrorKind.Type

/**
 * No answer arrived: the connection was reset or refused, the attempt timed out, or the request could not be
 * sent at all (`invalid-request`). `code` is always 0.
 *
 * @since 0.1.0
 * @category errors
 */
export class TransportError extends internal.withTypeId(
  Schema.TaggedError<TransportError>()("TransportError", {
    code: Schema.Literal(0),
    kind: TransportErrorKind,
    cause: Schema.optional(Schema.Defect),
    ...internal.contextFields
  })
) {}

/**
 * What a call was waiting for when its deadline came: another caller's 429 cooldown of the key, the key's rate
 * limit, or the probe that tests the key after a cooldown.
 *
 * @since 0.2.0
 * @category models
 */
export const WaitingFor = Schema.Literal("cooldown", "rate-limit", "probe")

/**
 * @since 0.2.0
 * @category models
 */
export type WaitingFor = typeof WaitingFor.Type

/**
 * The call's deadline would pass before it could be sent: it had to wait (`waitingFor`) until `until` (epoch ms),
 * after its deadline, so it fails now rather than wait in vain. Nothing was sent for it since its last answer;
 * a call that got an answer before fails with that answer's error instead. `code` is always 0.
 *
 * @since 0.2.0
 * @category errors
 */
export class DeadlineExceeded extends internal.withTypeId(
  Schema.TaggedError<DeadlineExceeded>()("DeadlineExceeded", {
    code: Schema.Literal(0),
    waitingFor: WaitingFor,
    until: Schema.Number,
    ...internal.contextFields
  })
) {}

/**
 * Every error a TrackingMore call can fail with.
 *
 * @since 0.1.0
 * @category models
 */
export type TrackingMoreError = typeof TrackingMoreError.Type

/**
 * The tag of every error.
 *
 * @since 0.1.0
 * @category models
 */
export type Tag = TrackingMoreError["_tag"]

const codeErrors = [
  LimitExceeded,
  Unauthorized,
  InvalidApiKey,
  ApiKeyDeleted,
  InvalidRequest,
  TrackingNumberRequired,
  InvalidTrackingNumber,
  InvalidCarrierCode,
  TrackingAlreadyExists,
  TrackingNotFound,
  ActivationRequired,
  InsufficientBalance,
  BatchTooLarge,
  QuotaExhausted,
  NotRegistered,
  CarrierNotDetected,
  InvalidStatus,
  PaymentRequired,
  Forbidden,
  NotFound,
  MethodNotAllowed,
  Conflict,
  TooManyRequests,
  ServerError,
  ServiceUnavailable,
] as const

type CodeErrorClass = (typeof codeErrors)[number]

/**
 * The class of every documented code's error, by tag.
 *
 * @since 0.1.0
 * @category constructors
 */
export const classes = (Object.fromEntries(codeErrors.map((Class) => [Class.identifier, Class])) as {
  readonly [C in CodeErrorClass as InstanceType<C>["_tag"]]: C
}) satisfies { readonly [T in StatusCode.CodeErrorTag]: unknown } // a catalogue code without a class fails here

/**
 * The schema of the whole union, for encoding errors to JSON and back (logs, queues, Redis).
 *
 * @since 0.1.0
 * @category schemas
 */
export const TrackingMoreError = Schema.Union(
  ...codeErrors,
  UnknownStatus,
  MalformedResponse,
  TransportError,
  DeadlineExceeded
)

/**
 * Whether a value is any of this package's errors, also across duplicate installs of the package.
 *
 * @since 0.1.0
 * @category guards
 */
export const isTrackingMoreError = (u: unknown): u is TrackingMoreError => Predicate.hasProperty(u, TypeId)

/**
 * The typed error of a non-success `meta.code`: its catalogue class when documented, `UnknownStatus`
 * otherwise. The message states the documented meaning and what the server said.
 *
 * @since 0.1.0
 * @category constructors
 * @example
 * ```ts
 * import { TrackingMoreError } from "@trackingmore-effect/core"
 * const error = TrackingMoreError.fromCode(4017, { serverMessage: "Tracking No. does not exist." })
 * error._tag // "TrackingNotFound"
 * ```
 */
export const fromCode = (code: number, context: ErrorContext = {}): TrackingMoreError => {
  const entry = StatusCode.lookup(code)
  const props = { code, message: message.ofCode(code, entry, context), ...internal.compact(context) }
  if (entry === undefined || entry.category === "success") return new UnknownStatus(props)
  const Class = classes[entry.tag as StatusCode.CodeErrorTag] as unknown as new(
    props: { readonly code: number; readonly message: string } & ErrorContext
  ) => TrackingMoreError
  return new Class(props)
}

/**
 * A `MalformedResponse` with at most 512 characters of the body kept. `reason` defaults to the kind's words.
 *
 * @since 0.1.0
 * @category constructors
 */
export const malformed = (
  status: number,
  kind: MalformedKind,
  body: string,
  context: ErrorContext = {},
  reason: string = message.malformedReasons[kind]
): MalformedResponse =>
  new MalformedResponse({
    code: status,
    kind,
    reason,
    bodyExcerpt: body.slice(0, maxExcerpt),
    message: message.malformed(status, reason, context),
    ...internal.compact(context)
  })

/**
 * A `TransportError` for a call that got no answer.
 *
 * @since 0.1.0
 * @category constructors
 */
export const transport = (
  kind: TransportErrorKind,
  cause: unknown,
  context: ErrorContext = {},
  detail?: string
): TransportError =>
  new TransportError({ code: 0, kind, cause, message: message.transport(kind, context, detail), ...internal.compact(context) })

/**
 * A `DeadlineExceeded` for a call that would have waited until `until` (epoch ms).
 *
 * @since 0.2.0
 * @category constructors
 */
export const deadlineExceeded = (
  waitingFor: WaitingFor,
  until: number,
  context: ErrorContext = {}
): DeadlineExceeded =>
  new DeadlineExceeded({
    code: 0,
    waitingFor,
    until,
    message: message.deadlineExceeded(waitingFor, until, context),
    ...internal.compact(context)
  })

/**
 * The longest body excerpt a `MalformedResponse` keeps.
 *
 * @since 0.1.0
 * @category constants
 */
export const maxExcerpt = 512
