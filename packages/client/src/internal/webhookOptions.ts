/**
 * The check of `Webhook` options before use; the error names the option and never shows the email.
 */
import * as CoreOptions from "@trackingmore-effect/core/Options"
import * as Either from "effect/Either"
import * as Redacted from "effect/Redacted"
import type { Options } from "../Webhook.js"

/** 1 MiB, far above a tracking with a long checkpoint history. */
export const defaultMaxBodyBytes = 1024 * 1024

/** The options as given, or the first that cannot work. */
export const validateOptions = (options: Options): Either.Either<Options, CoreOptions.InvalidOption> => {
  const known = CoreOptions.knownKeys("options", options, ["email", "verify", "maxBodyBytes", "maxAge"])
  if (Either.isLeft(known)) return Either.left(known.left)
  const { email, maxAge, maxBodyBytes, verify } = options as {
    readonly email?: unknown
    readonly verify?: unknown
    readonly maxBodyBytes?: unknown
    readonly maxAge?: unknown
  }
  if (verify !== undefined && typeof verify !== "boolean") {
    return Either.left(CoreOptions.invalid("verify", `must be true or false, got ${CoreOptions.show(verify)}`))
  }
  if (maxBodyBytes !== undefined) {
    const checked = CoreOptions.integer("maxBodyBytes", maxBodyBytes, { min: 1 })
    if (Either.isLeft(checked)) return Either.left(checked.left)
  }
  if (verify === false) return Either.right(options)
  if (!Redacted.isRedacted(email) || typeof Redacted.value(email) !== "string" || Redacted.value(email) === "") {
    return Either.left(
      CoreOptions.invalid("email", "must be the account's registered email, a non-empty string in a Redacted")
    )
  }
  if (maxAge !== undefined) {
    const checked = CoreOptions.duration("maxAge", maxAge, { allowZero: false })
    if (Either.isLeft(checked)) return Either.left(checked.left)
  }
  return Either.right(options)
}
