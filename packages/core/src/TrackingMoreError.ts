/**
 * One `Schema.TaggedError` class per non-success TrackingMore status code, plus `UnknownStatus`,
 * `MalformedResponse`, `TransportError` and `DeadlineExceeded`, so that `Effect.catchTag("TrackingNotFound", …)` works per code.
 *
 * @since 0.1.0
 */
import * as Duration from "effect/Duration"
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"
import * as StatusCode from "./StatusCode.js"

/**
 * @since 0.1.0
 * @category type ids
 */
export const TypeId: unique symbol = Symbol.for("@trackingmore-effect/core/TrackingMoreError")

/**
 * @since 0.1.0
 * @category type ids
 */
export type TypeId = typeof TypeId

/** Context every error may carry: where it happened and what the server said. */
const contextFields = {
  message: Schema.String,
  /** The server's own `meta.message`, when it sent one. */
  serverMessage: Schema.optional(Schema.String),
  /** The server's `Retry-After` hint, when it sent one. */
  retryAfter: Schema.optional(Schema.DurationFromMillis),
  method: Schema.optional(Schema.String),
  endpoint: Schema.optional(Schema.String)
}

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

// On the prototype, not the instance: equality, encoding and `inspect` output stay those of the fields.
const withTypeId = <C>(klass: C): C => {
  Object.defineProperty((klass as { readonly prototype: object }).prototype, TypeId, {
    value: TypeId,
    enumerable: false
  })
  return klass
}

/** The class factory for a documented code: a literal `code` and the shared context fields. */
const codeError = <Self>() =>
<const Tag extends StatusCode.CodeErrorTag>(tag: Tag) =>
  withTypeId(
    Schema.TaggedError<Self>()(tag, {
      code: Schema.Literal(StatusCode.forTag(tag).code as StatusCode.CodeOf<Tag>),
      ...contextFields
    })
  )

/** @since 0.1.0 @category errors */
export class LimitExceeded extends codeError<LimitExceeded>()("LimitExceeded") {}
/** @since 0.1.0 @category errors */
export class Unauthorized extends codeError<Unauthorized>()("Unauthorized") {}
/** @since 0.1.0 @category errors */
export class InvalidApiKey extends codeError<InvalidApiKey>()("InvalidApiKey") {}
/** @since 0.1.0 @category errors */
export class ApiKeyDeleted extends codeError<ApiKeyDeleted>()("ApiKeyDeleted") {}
/** @since 0.1.0 @category errors */
export class InvalidRequest extends codeError<InvalidRequest>()("InvalidRequest") {}
/** @since 0.1.0 @category errors */
export class TrackingNumberRequired extends codeError<TrackingNumberRequired>()("TrackingNumberRequired") {}
/** @since 0.1.0 @category errors */
export class InvalidTrackingNumber extends codeError<InvalidTrackingNumber>()("InvalidTrackingNumber") {}
/** @since 0.1.0 @category errors */
export class InvalidCarrierCode extends codeError<InvalidCarrierCode>()("InvalidCarrierCode") {}
/** @since 0.1.0 @category errors */
export class TrackingAlreadyExists extends codeError<TrackingAlreadyExists>()("TrackingAlreadyExists") {}
/** @since 0.1.0 @category errors */
export class TrackingNotFound extends codeError<TrackingNotFound>()("TrackingNotFound") {}
/** @since 0.1.0 @category errors */
export class ActivationRequired extends codeError<ActivationRequired>()("ActivationRequired") {}
/** @since 0.1.0 @category errors */
export class InsufficientBalance extends codeError<InsufficientBalance>()("InsufficientBalance") {}
/** @since 0.1.0 @category errors */
export class BatchTooLarge extends codeError<BatchTooLarge>()("BatchTooLarge") {}
/** @since 0.1.0 @category errors */
export class QuotaExhausted extends codeError<QuotaExhausted>()("QuotaExhausted") {}
/** @since 0.1.0 @category errors */
export class NotRegistered extends codeError<NotRegistered>()("NotRegistered") {}
/** @since 0.1.0 @category errors */
export class CarrierNotDetected extends codeError<CarrierNotDetected>()("CarrierNotDetected") {}
/** @since 0.1.0 @category errors */
export class InvalidStatus extends codeError<InvalidStatus>()("InvalidStatus") {}
/** @since 0.1.0 @category errors */
export class PaymentRequired extends codeError<PaymentRequired>()("PaymentRequired") {}
/** @since 0.1.0 @category errors */
export class Forbidden extends codeError<Forbidden>()("Forbidden") {}
/** @since 0.1.0 @category errors */
export class NotFound extends codeError<NotFound>()("NotFound") {}
/** @since 0.1.0 @category errors */
export class MethodNotAllowed extends codeError<MethodNotAllowed>()("MethodNotAllowed") {}
/** @since 0.1.0 @category errors */
export class Conflict extends codeError<Conflict>()("Conflict") {}
/** @since 0.1.0 @category errors */
export class TooManyRequests extends codeError<TooManyRequests>()("TooManyRequests") {}
/** @since 0.1.0 @category errors */
export class ServerError extends codeError<ServerError>()("ServerError") {}
/** @since 0.1.0 @category errors */
export class ServiceUnavailable extends codeError<ServiceUnavailable>()("ServiceUnavailable") {}

/**
 * A `meta.code` that TrackingMore does not document. The code is kept so nothing is lost.
 *
 * @since 0.1.0
 * @category errors
 */
export class UnknownStatus extends withTypeId(
  Schema.TaggedError<UnknownStatus>()("UnknownStatus", {
    code: Schema.Number,
    ...contextFields
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

const malformedReasons: Record<MalformedKind, string> = {
  "empty": "empty body",
  "html": "HTML instead of JSON",
  "invalid-json": "invalid or truncated JSON",
  "no-envelope": "JSON without a meta.code envelope",
  "unexpected-shape": "unexpected data shape",
  "too-large": "the body is larger than the client accepts",
  "other": "unreadable answer"
}

/**
 * The answer could not be read as a TrackingMore envelope: an HTML page from a proxy, an empty body, truncated
 * JSON, data of an unexpected shape, a body larger than the client accepts (`too-large`: it was not read to the
 * end). `code` is the HTTP status; `kind` says what was wrong, `reason` says it in
 * words; `bodyExcerpt` holds at most 512 characters of what came.
 *
 * @since 0.1.0
 * @category errors
 */
export class MalformedResponse extends withTypeId(
  Schema.TaggedError<MalformedResponse>()("MalformedResponse", {
    code: Schema.Number,
    kind: MalformedKind,
    reason: Schema.String,
    bodyExcerpt: Schema.String,
    ...contextFields
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
export class TransportError extends withTypeId(
  Schema.TaggedError<TransportError>()("TransportError", {
    code: Schema.Literal(0),
    kind: TransportErrorKind,
    cause: Schema.optional(Schema.Defect),
    ...contextFields
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
export class DeadlineExceeded extends withTypeId(
  Schema.TaggedError<DeadlineExceeded>()("DeadlineExceeded", {
    code: Schema.Literal(0),
    waitingFor: WaitingFor,
    until: Schema.Number,
    ...contextFields
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

const truncate = (text: string, max: number): string => text.length <= max ? text : `${text.slice(0, max)}…`

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
  const fields = compact(context)
  if (entry === undefined || entry.category === "success") {
    const meaning = entry === undefined
      ? `Undocumented TrackingMore status code ${code}.`
      : `Status ${code} is a success code and cannot be an error.`
    return new UnknownStatus({ code, message: describe(meaning, context), ...fields })
  }
  const Class = classes[entry.tag as StatusCode.CodeErrorTag] as unknown as new(
    props: { readonly code: number; readonly message: string } & ErrorContext
  ) => TrackingMoreError
  return new Class({ code, message: describe(entry.meaning, context), ...fields })
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
  reason: string = malformedReasons[kind]
): MalformedResponse =>
  new MalformedResponse({
    code: status,
    kind,
    reason,
    bodyExcerpt: body.slice(0, maxExcerpt),
    message: describe(`Unreadable TrackingMore answer (HTTP ${status}): ${reason}.`, context),
    ...compact(context)
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
  new TransportError({
    code: 0,
    kind,
    cause,
    message: describe(
      detail === undefined ? transportMeaning[kind] : `${transportMeaning[kind].slice(0, -1)}: ${truncate(detail, 200)}.`,
      context
    ),
    ...compact(context)
  })

const waitingForMeaning: Record<WaitingFor, string> = {
  "cooldown": "the API key cools down after a 429",
  "rate-limit": "the API key's rate limit allows no earlier request",
  "probe": "another call is testing the API key after a cooldown"
}

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
    message: describe(
      `The call's deadline passes before it could be sent: ${waitingForMeaning[waitingFor]} until ${
        Number.isFinite(until) ? new Date(until).toISOString() : "further notice"
      }. Nothing was sent.`,
      context
    ),
    ...compact(context)
  })

const transportMeaning: Record<TransportErrorKind, string> = {
  reset: "The connection to TrackingMore was reset before an answer arrived.",
  refused: "The connection to TrackingMore was refused.",
  timeout: "TrackingMore did not answer before the attempt timed out.",
  "invalid-request": "The request to TrackingMore could not be sent (nothing reached the server).",
  other: "The request to TrackingMore failed before an answer arrived."
}

/**
 * The longest body excerpt a `MalformedResponse` keeps.
 *
 * @since 0.1.0
 * @category constants
 */
export const maxExcerpt = 512

// exactOptionalPropertyTypes: drop undefined so the schema's optional fields stay absent.
const compact = (context: ErrorContext): ErrorContext => {
  const out: { -readonly [K in keyof ErrorContext]: ErrorContext[K] } = {}
  if (context.serverMessage !== undefined) out.serverMessage = context.serverMessage
  if (context.retryAfter !== undefined) out.retryAfter = context.retryAfter
  if (context.method !== undefined) out.method = context.method
  if (context.endpoint !== undefined) out.endpoint = context.endpoint
  return out
}
