/**
 * How the classes of `TrackingMoreError` are built: the brand on their prototype, the context fields every one
 * carries, and the class of a documented code (its literal `code` taken from the `StatusCode` catalogue).
 */
import * as Schema from "effect/Schema"
import * as StatusCode from "../StatusCode.js"
import type * as TrackingMoreError from "../TrackingMoreError.js"

/** The brand of every error: a registered symbol, so that it is the same across duplicate installs. */
export const TypeId: TrackingMoreError.TypeId = Symbol.for(
  "@trackingmore-effect/core/TrackingMoreError"
) as TrackingMoreError.TypeId

/** Context every error may carry: where it happened and what the server said. */
export const contextFields = {
  message: Schema.String,
  /** The server's own `meta.message`, when it sent one. */
  serverMessage: Schema.optional(Schema.String),
  /** The server's `Retry-After` hint, when it sent one. */
  retryAfter: Schema.optional(Schema.DurationFromMillis),
  method: Schema.optional(Schema.String),
  endpoint: Schema.optional(Schema.String)
}

// On the prototype, not the instance: equality, encoding and `inspect` output stay those of the fields.
export const withTypeId = <C>(klass: C): C => {
  Object.defineProperty((klass as { readonly prototype: object }).prototype, TypeId, {
    value: TypeId,
    enumerable: false
  })
  return klass
}

/** The class factory for a documented code: a literal `code` and the shared context fields. */
export const codeError = <Self>() =>
<const Tag extends StatusCode.CodeErrorTag>(tag: Tag) =>
  withTypeId(
    Schema.TaggedError<Self>()(tag, {
      code: Schema.Literal(StatusCode.forTag(tag).code as StatusCode.CodeOf<Tag>),
      ...contextFields
    })
  )

// exactOptionalPropertyTypes: drop undefined so the schema's optional fields stay absent.
export const compact = (context: TrackingMoreError.ErrorContext): TrackingMoreError.ErrorContext => {
  const out: { -readonly [K in keyof TrackingMoreError.ErrorContext]: TrackingMoreError.ErrorContext[K] } = {}
  if (context.serverMessage !== undefined) out.serverMessage = context.serverMessage
  if (context.retryAfter !== undefined) out.retryAfter = context.retryAfter
  if (context.method !== undefined) out.method = context.method
  if (context.endpoint !== undefined) out.endpoint = context.endpoint
  return out
}
