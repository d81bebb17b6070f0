/**
 * A policy config file: JSON with the same overrides as `Policy.config` (`{ "serviceUnavailable": { "maxRetries":
 * 10 }, "deadline": "30 minutes" }`), checked by core's `Policy.validate`, whose error names the field.
 *
 * @since 0.1.0
 */
import * as FileSystem from "@effect/platform/FileSystem"
import * as Policy from "@trackingmore-effect/core/Policy"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Stop from "./Stop.js"

/**
 * The config of a file, or a one-line usage error that names the file and, for a bad field, the field.
 *
 * @since 0.1.0
 * @category loading
 */
export const load = (
  command: string,
  path: string
): Effect.Effect<{ readonly config: Policy.PolicyConfig; readonly overrides: unknown }, Stop.Stop, FileSystem.FileSystem> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const text = yield* fs.readFileString(path).pipe(
      Effect.mapError((error) =>
        Stop.usage(
          `${command}: cannot read the policy file ${path} (${
            error._tag === "SystemError" && error.reason === "NotFound" ? "there is no such file" : error.message
          }).`
        )
      )
    )
    let overrides: unknown
    try {
      overrides = JSON.parse(text)
    } catch (error) {
      return yield* Stop.usage(
        `${command}: the policy file ${path} is not JSON (${error instanceof Error ? error.message : String(error)}).`
      )
    }
    const checked = Policy.validate(overrides)
    if (Either.isLeft(checked)) {
      return yield* Stop.usage(`${command}: the policy file ${path} cannot be used: ${checked.left.message}.`)
    }
    return { config: checked.right, overrides }
  })
