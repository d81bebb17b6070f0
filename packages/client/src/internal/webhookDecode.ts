/**
 * Reading a raw body as a webhook: the size limit, a JSON object, `verifyInfo` signed with the email (and within
 * `maxAge` when set), and `data` a tracking. Each check fails with the error `Webhook` documents for it.
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Tracking from "../Tracking.js"
import type { Body, Options, VerifyOptions } from "../Webhook.js"
import * as hmac from "./hmac.js"
import type { MalformedWebhook, WebhookError } from "./webhookError.js"
import { InvalidSignature, malformed, tooLarge, WebhookExpired } from "./webhookError.js"
import * as webhookOptions from "./webhookOptions.js"

const encoder = new TextEncoder()
const decoder = new TextDecoder("utf-8", { fatal: false })

const byteLength = (body: Body): number =>
  typeof body === "string" ? encoder.encode(body).length : body.byteLength

const toText = (body: Body): string =>
  typeof body === "string" ? body : decoder.decode(body instanceof ArrayBuffer ? new Uint8Array(body) : body)

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

/** Reads the JSON object of a body within the size limit. */
const parseBody = (body: Body, maxBodyBytes: number): Either.Either<Record<string, unknown>, WebhookError> => {
  if (byteLength(body) > maxBodyBytes) return Either.left(tooLarge(maxBodyBytes))
  const text = toText(body)
  if (text.trim() === "") return Either.left(malformed("empty", "The webhook body is empty"))
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    return Either.left(malformed("invalid-json", "The webhook body is not JSON"))
  }
  return isRecord(json)
    ? Either.right(json)
    : Either.left(malformed("not-an-object", "The webhook body is JSON, but not an object"))
}

const decodeData = (json: Record<string, unknown>): Either.Either<Tracking.Tracking, MalformedWebhook> =>
  Either.mapLeft(
    Tracking.decodeTracking(json.data),
    () => malformed("invalid-tracking", "The webhook body's data is not a tracking")
  )

/** Seconds below 10^11 (the year 5138 in seconds), else milliseconds. */
export const timeStrToMillis = (timeStr: string): number | undefined => {
  if (!/^\s*\d+(\.\d+)?\s*$/.test(timeStr)) return undefined
  const value = Number(timeStr)
  return value < 1e11 ? value * 1000 : value
}

const missingSignature = new InvalidSignature({
  reason: "missing",
  message: "The webhook body has no verifyInfo with a timeStr and a signature"
})

/** The signed part of a body, accepting `timeStr` as a string or a number. */
const verifyInfoOf = (json: Record<string, unknown>): { readonly timeStr: string; readonly signature: string } | undefined => {
  const info = json.verifyInfo
  if (!isRecord(info)) return undefined
  const { signature, timeStr } = info
  if (typeof signature !== "string") return undefined
  if (typeof timeStr === "string") return { timeStr, signature }
  if (typeof timeStr === "number" && Number.isFinite(timeStr)) return { timeStr: String(timeStr), signature }
  return undefined
}

const checkSignature = (json: Record<string, unknown>, options: VerifyOptions): Effect.Effect<void, WebhookError> =>
  Effect.gen(function*() {
    const info = verifyInfoOf(json)
    if (info === undefined) return yield* missingSignature
    const expected = yield* hmac.sign(options.email, info.timeStr)
    if (!hmac.constantTimeEquals(expected, info.signature.toLowerCase())) {
      return yield* new InvalidSignature({
        reason: "mismatch",
        message: "The webhook signature does not match the account's email"
      })
    }
    if (options.maxAge === undefined) return
    const signedAt = timeStrToMillis(info.timeStr)
    if (signedAt === undefined) {
      return yield* malformed("invalid-time", "The webhook timeStr is not a number of seconds or milliseconds")
    }
    const maxAgeMillis = Duration.toMillis(options.maxAge)
    const now = yield* Effect.clockWith((clock) => clock.currentTimeMillis)
    if (Math.abs(now - signedAt) > maxAgeMillis) {
      return yield* new WebhookExpired({
        signedAt,
        maxAgeMillis,
        message: `The webhook was signed ${Math.round((now - signedAt) / 1000)} s from now, more than its maxAge`
      })
    }
  })

/** Every check, the signature included; invalid options are a defect. */
export const verify = (body: Body, options: VerifyOptions): Effect.Effect<Tracking.Tracking, WebhookError> =>
  Effect.gen(function*() {
    yield* Effect.orDie(webhookOptions.validateOptions(options))
    const json = yield* parseBody(body, options.maxBodyBytes ?? webhookOptions.defaultMaxBodyBytes)
    yield* checkSignature(json, options)
    return yield* decodeData(json)
  })

/** {@link verify}, or every check but the signature with `{ verify: false }`. */
export const decode = (body: Body, options: Options): Effect.Effect<Tracking.Tracking, WebhookError> =>
  options.verify === false
    ? Effect.zipRight(
      Effect.orDie(webhookOptions.validateOptions(options)),
      Effect.flatMap(parseBody(body, options.maxBodyBytes ?? webhookOptions.defaultMaxBodyBytes), decodeData)
    )
    : verify(body, options)
