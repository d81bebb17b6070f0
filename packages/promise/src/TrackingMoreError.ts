/**
 * The errors a Promise of this package rejects with: one class generic over the tag of
 * `@trackingmore-effect/core`'s error union, so that `e.tag === "TooManyRequests"` narrows `e` (and `e.code`),
 * a brand guard that works across duplicate installs, and the error of a call made after `close()`.
 *
 * @since 0.1.0
 */
import * as Duration from "effect/Duration"

/**
 * The `code` of every tag: the documented `meta.code` (`429` for `TooManyRequests`), the HTTP status for
 * `MalformedResponse`, the undocumented code for `UnknownStatus`, `0` for `TransportError` and
 * `DeadlineExceeded`.
 *
 * @since 0.2.0
 * @category models
 */
export interface Codes {
  readonly LimitExceeded: 202
  readonly Unauthorized: 401
  readonly InvalidApiKey: 4001
  readonly ApiKeyDeleted: 4002
  readonly InvalidRequest: 4012
  readonly TrackingNumberRequired: 4013
  readonly InvalidTrackingNumber: 4014
  readonly InvalidCarrierCode: 4015
  readonly TrackingAlreadyExists: 4016
  readonly TrackingNotFound: 4017
  readonly ActivationRequired: 4018
  readonly InsufficientBalance: 4019
  readonly BatchTooLarge: 4020
  readonly QuotaExhausted: 4021
  readonly NotRegistered: 4031
  readonly CarrierNotDetected: 4032
  readonly InvalidStatus: 4033
  readonly PaymentRequired: 402
  readonly Forbidden: 403
  readonly NotFound: 404
  readonly MethodNotAllowed: 405
  readonly Conflict: 409
  readonly TooManyRequests: 429
  readonly ServerError: 500
  readonly ServiceUnavailable: 503
  readonly UnknownStatus: number
  readonly MalformedResponse: number
  readonly TransportError: 0
  readonly DeadlineExceeded: 0
}

/**
 * Every tag an API error can have: `"TooManyRequests"`, `"TrackingNotFound"`, `"ServiceUnavailable"`,
 * `"TransportError"`, … (the tags of `@trackingmore-effect/core`).
 *
 * @since 0.1.0
 * @category models
 */
export type Tag = keyof Codes

/**
 * The `code` of one tag: a literal for documented codes (`429` for `TooManyRequests`), the HTTP status for
 * `MalformedResponse`, `0` for `TransportError`.
 *
 * @since 0.1.0
 * @category models
 */
export type CodeOf<T extends Tag> = Codes[T]

/**
 * What was wrong with an unreadable answer (`MalformedResponse`): `empty`, `html` and `invalid-json` mean the
 * body was lost or replaced on the way; `no-envelope` and `unexpected-shape` that the server answered something
 * the client does not understand; `too-large` that it was longer than `maxResponseBytes`.
 *
 * @since 0.2.0
 * @category models
 */
export type MalformedKind = "empty" | "html" | "invalid-json" | "no-envelope" | "unexpected-shape" | "too-large" | "other"

/**
 * What kind of transport failure happened (`TransportError`). `invalid-request`: the request could not even be
 * sent.
 *
 * @since 0.2.0
 * @category models
 */
export type TransportErrorKind = "reset" | "refused" | "timeout" | "invalid-request" | "other"

/**
 * What a call was waiting for when its deadline came (`DeadlineExceeded`).
 *
 * @since 0.2.0
 * @category models
 */
export type WaitingFor = "cooldown" | "rate-limit" | "probe"

/**
 * The fields that only some tags carry.
 *
 * @since 0.2.0
 * @category models
 */
export interface Details {
  readonly MalformedResponse: {
    readonly kind: MalformedKind
    /** `kind` in words. */
    readonly reason: string
    /** At most 512 characters of the body that came. */
    readonly bodyExcerpt: string
  }
  readonly TransportError: { readonly kind: TransportErrorKind }
  readonly DeadlineExceeded: {
    readonly waitingFor: WaitingFor
    /** When the wait would have ended, in epoch milliseconds. */
    readonly until: number
  }
}

/**
 * The original error of one tag, as `@trackingmore-effect/core` made it (kept as `cause`): its `_tag`, `code`,
 * `message`, where the call went, what the server said, and the fields of its tag (`kind` of a
 * `MalformedResponse` or `TransportError`, `waitingFor` and `until` of a `DeadlineExceeded`).
 *
 * @since 0.1.0
 * @category models
 */
export type CoreErrorOf<T extends Tag> = T extends Tag ?
    & {
      readonly _tag: T
      readonly code: CodeOf<T>
      readonly message: string
      /** What the server itself said (`meta.message`), when it said something. */
      readonly serverMessage?: string | undefined
      readonly method?: string | undefined
      readonly endpoint?: string | undefined
    }
    & (T extends keyof Details ? Details[T] : unknown)
  : never

/**
 * The brand every {@link TrackingMoreApiError} carries; `Symbol.for`, so it is the same symbol in every copy of
 * this package loaded in a process.
 *
 * @since 0.1.0
 * @category type ids
 */
export const TypeId: unique symbol = Symbol.for("@trackingmore-effect/promise/TrackingMoreError")

/**
 * @since 0.1.0
 * @category type ids
 */
export type TypeId = typeof TypeId

/**
 * A TrackingMore call failed with a known error. `tag` says which; the original error of
 * `@trackingmore-effect/core` is `cause`.
 * Use the union {@link TrackingMoreError} in annotations so that checking `tag` narrows.
 *
 * @since 0.1.0
 * @category errors
 * @example
 * ```ts
 * import { createClient, isTrackingMoreError } from "@trackingmore-effect/promise"
 * const client = createClient({ apiKey: process.env.TRACKINGMORE_API_KEY! })
 * try {
 *   await client.get("ups", "1Z999AA10123456784", { register: true })
 * } catch (e) {
 *   if (isTrackingMoreError(e) && e.tag === "TooManyRequests") console.log(e.code, e.retryAfter) // 429
 * } finally {
 *   await client.close()
 * }
 * ```
 */
export class TrackingMoreApiError<T extends Tag = Tag> extends Error {
  /**
   * Which error: the `_tag` of the Effect error.
   * @since 0.1.0
   */
  readonly tag: T
  /**
   * The TrackingMore `meta.code` (or HTTP status for `MalformedResponse`, `0` for `TransportError`).
   * @since 0.1.0
   */
  readonly code: CodeOf<T>
  /**
   * The server's `Retry-After` hint in milliseconds, when it sent one.
   * @since 0.1.0
   */
  readonly retryAfter: number | undefined
  /**
   * The HTTP method of the call, when known.
   * @since 0.1.0
   */
  readonly method: string | undefined
  /**
   * The endpoint path of the call, when known.
   * @since 0.1.0
   */
  readonly endpoint: string | undefined
  /**
   * What the server itself said (`meta.message`), when it said something.
   * @since 0.1.0
   */
  readonly serverMessage: string | undefined
  /**
   * The original `@trackingmore-effect/core` error, with the fields of its tag (e.g. `kind`).
   * @since 0.1.0
   */
  declare readonly cause: CoreErrorOf<T>

  constructor(error: CoreErrorOf<T>) {
    super(error.message, { cause: error })
    this.tag = error._tag as T
    this.code = error.code as CodeOf<T>
    // The core error holds an Effect Duration; plain data may give milliseconds.
    const retryAfter: unknown = (error as { readonly retryAfter?: unknown }).retryAfter
    this.retryAfter = Duration.isDuration(retryAfter)
      ? Duration.toMillis(retryAfter)
      : typeof retryAfter === "number"
      ? retryAfter
      : undefined
    this.method = error.method
    this.endpoint = error.endpoint
    this.serverMessage = error.serverMessage
  }

  /**
   * The fields, for logs and `JSON.stringify`.
   * @since 0.1.0
   */
  toJSON(): {
    readonly name: string
    readonly tag: T
    readonly code: CodeOf<T>
    readonly message: string
    readonly retryAfter: number | undefined
    readonly method: string | undefined
    readonly endpoint: string | undefined
  } {
    return {
      name: this.name,
      tag: this.tag,
      code: this.code,
      message: this.message,
      retryAfter: this.retryAfter,
      method: this.method,
      endpoint: this.endpoint
    }
  }
}

Object.defineProperty(TrackingMoreApiError.prototype, TypeId, { value: TypeId, enumerable: false })
// Each class reports its own name (in stack traces, `String(e)`, `toJSON`), from the prototype as built-in errors do.
nameClass(TrackingMoreApiError, "TrackingMoreApiError")

/**
 * Every API error, as a union discriminated by `tag`: `if (e.tag === "TooManyRequests")` narrows `e` to
 * `TrackingMoreApiError<"TooManyRequests">` and `e.code` to `429`.
 *
 * @since 0.1.0
 * @category models
 */
export type TrackingMoreError = { readonly [T in Tag]: TrackingMoreApiError<T> }[Tag]

/**
 * The error of one tag.
 *
 * @since 0.1.0
 * @category models
 */
export type ErrorOf<T extends Tag> = Extract<TrackingMoreError, { readonly tag: T }>

/**
 * Whether a value is an API error of this package (optionally of one tag). Checks the `Symbol.for` brand, not
 * the class, so it also recognises errors of another copy of the package in the same process.
 *
 * @since 0.1.0
 * @category guards
 * @example
 * ```ts
 * import { isTrackingMoreError } from "@trackingmore-effect/promise"
 * declare const e: unknown
 * if (isTrackingMoreError(e, "TrackingNotFound")) console.log(e.code) // 4017
 * ```
 */
export const isTrackingMoreError: {
  (u: unknown): u is TrackingMoreError
  <T extends Tag>(u: unknown, tag: T): u is ErrorOf<T>
} = (u: unknown, tag?: Tag): u is TrackingMoreError =>
  typeof u === "object" && u !== null && TypeId in u &&
  (tag === undefined || (u as { readonly tag?: unknown }).tag === tag)

/**
 * The brand of {@link ClientClosedError}.
 *
 * @since 0.1.0
 * @category type ids
 */
export const ClientClosedTypeId: unique symbol = Symbol.for("@trackingmore-effect/promise/ClientClosedError")

/**
 * A call was made on a client after `close()`, or was still running when `close()` was called.
 *
 * @since 0.1.0
 * @category errors
 */
export class ClientClosedError extends Error {
  /**
   * Always `"ClientClosed"`.
   * @since 0.1.0
   */
  readonly tag = "ClientClosed" as const
  constructor(what: string) {
    super(`TrackingMore client is closed: ${what} cannot run after close()`)
  }
}
nameClass(ClientClosedError, "ClientClosedError")

Object.defineProperty(ClientClosedError.prototype, ClientClosedTypeId, { value: ClientClosedTypeId, enumerable: false })

/**
 * Whether a value is a {@link ClientClosedError} (of any copy of this package).
 *
 * @since 0.1.0
 * @category guards
 */
export const isClientClosedError = (u: unknown): u is ClientClosedError =>
  typeof u === "object" && u !== null && ClientClosedTypeId in u

/**
 * The brand of {@link InvalidOptionError}.
 *
 * @since 0.2.0
 * @category type ids
 */
export const InvalidOptionTypeId: unique symbol = Symbol.for("@trackingmore-effect/promise/InvalidOptionError")

/**
 * `createClient` was given an option that cannot work: `option` names it (`"batchSize"`,
 * `"rateLimits.default.limit"`, `"policy.deadline"`), the message says what is wrong and what was given (never
 * the API key). Thrown by `createClient` itself, before anything runs. A `TypeError`, as for a bad argument.
 *
 * @since 0.2.0
 * @category errors
 * @example
 * ```ts
 * import { createClient, isInvalidOptionError } from "@trackingmore-effect/promise"
 * try {
 *   createClient({ apiKey: "key", batchSize: 100 })
 * } catch (e) {
 *   if (isInvalidOptionError(e)) console.log(e.option) // "batchSize"
 * }
 * ```
 */
export class InvalidOptionError extends TypeError {
  /**
   * Always `"InvalidOption"`.
   * @since 0.2.0
   */
  readonly tag = "InvalidOption" as const
  /**
   * The option's path in the options object.
   * @since 0.2.0
   */
  readonly option: string
  constructor(option: string, message: string) {
    super(message)
    this.option = option
  }
}
Object.defineProperty(InvalidOptionError.prototype, InvalidOptionTypeId, { value: InvalidOptionTypeId, enumerable: false })
nameClass(InvalidOptionError, "InvalidOptionError")

/**
 * Whether a value is an {@link InvalidOptionError} (of any copy of this package).
 *
 * @since 0.2.0
 * @category guards
 */
export const isInvalidOptionError = (u: unknown): u is InvalidOptionError =>
  typeof u === "object" && u !== null && InvalidOptionTypeId in u

/**
 * Whether a value is the rejection of an aborted call: a `DOMException` (or any error) named `"AbortError"`.
 *
 * @since 0.1.0
 * @category guards
 */
export const isAbortError = (u: unknown): u is DOMException =>
  typeof u === "object" && u !== null && (u as { readonly name?: unknown }).name === "AbortError"

function nameClass(klass: { readonly prototype: Error }, name: string): void {
  Object.defineProperty(klass.prototype, "name", { value: name, writable: true, configurable: true, enumerable: false })
}
