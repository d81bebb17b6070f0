/**
 * The errors of a refused webhook delivery, declared here so that the decoding and the HTTP answer can make them;
 * `Webhook` exports them with their documentation.
 */
import * as Schema from "effect/Schema"

/** `Webhook.InvalidSignature`. */
export class InvalidSignature extends Schema.TaggedError<InvalidSignature>()("InvalidSignature", {
  reason: Schema.Literal("missing", "mismatch"),
  message: Schema.String
}) {}

/** `Webhook.MalformedKind`. */
export const MalformedKind = Schema.Literal("empty", "invalid-json", "not-an-object", "invalid-time", "invalid-tracking")

/** `Webhook.MalformedKind`. */
export type MalformedKind = typeof MalformedKind.Type

/** `Webhook.MalformedWebhook`. */
export class MalformedWebhook extends Schema.TaggedError<MalformedWebhook>()("MalformedWebhook", {
  kind: MalformedKind,
  message: Schema.String
}) {}

/** `Webhook.WebhookTooLarge`. */
export class WebhookTooLarge extends Schema.TaggedError<WebhookTooLarge>()("WebhookTooLarge", {
  maxBodyBytes: Schema.Number,
  message: Schema.String
}) {}

/** `Webhook.WebhookExpired`. */
export class WebhookExpired extends Schema.TaggedError<WebhookExpired>()("WebhookExpired", {
  signedAt: Schema.Number,
  maxAgeMillis: Schema.Number,
  message: Schema.String
}) {}

/** `Webhook.WebhookError`. */
export type WebhookError = InvalidSignature | MalformedWebhook | WebhookTooLarge | WebhookExpired

/** A body longer than `maxBodyBytes`. */
export const tooLarge = (maxBodyBytes: number): WebhookTooLarge =>
  new WebhookTooLarge({ maxBodyBytes, message: `The webhook body is longer than ${maxBodyBytes} bytes` })

/** A body that is not a webhook. */
export const malformed = (kind: MalformedKind, message: string): MalformedWebhook => new MalformedWebhook({ kind, message })
