/**
 * The Promise facade's webhook options as the client's: the email put in a `Redacted` box, then checked by the
 * client's `Webhook.validateOptions`. A bad option throws an `InvalidOptionError` naming it, never the email.
 */
import * as ClientWebhook from "@trackingmore-effect/client/Webhook"
import * as Either from "effect/Either"
import * as Redacted from "effect/Redacted"
import { InvalidOptionError } from "../TrackingMoreError.js"
import type { WebhookOptions } from "../Webhook.js"

/** `what` (the function given the options) starts every error message. */
export const toClientOptions = (what: string, options: WebhookOptions): ClientWebhook.Options => {
  if (typeof options !== "object" || options === null) {
    throw new InvalidOptionError("options", `${what}: options must be an object with an email, or verify: false`)
  }
  let converted: ClientWebhook.Options
  if (options.verify === false) {
    const { email: _, ...rest } = options
    converted = rest
  } else {
    if (typeof options.email !== "string" || options.email === "") {
      throw new InvalidOptionError("email", `${what}: email must be the account's registered email, a non-empty string`)
    }
    converted = { ...options, email: Redacted.make(options.email) }
  }
  const checked = ClientWebhook.validateOptions(converted)
  if (Either.isLeft(checked)) throw new InvalidOptionError(checked.left.option, `${what}: ${checked.left.message}`)
  return converted
}
