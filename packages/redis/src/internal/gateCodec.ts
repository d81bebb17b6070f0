/**
 * How the gate's replies and its stored halts are read: script replies as loose arrays of numbers and strings, a
 * halt as the JSON `{ "until": redisMs | null, "error": encoded error }` the scripts store.
 */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as TrackingMoreError from "@trackingmore-effect/core/TrackingMoreError"

const encodeError = Schema.encode(TrackingMoreError.TrackingMoreError)
const decodeError = Schema.decodeUnknown(TrackingMoreError.TrackingMoreError)

/** A script's reply as an array (anything else as an empty one). */
export const asArray = (u: unknown): ReadonlyArray<unknown> => Array.isArray(u) ? u : []

/** A reply field as a number (NaN when it is none). */
export const asNumber = (u: unknown): number => typeof u === "number" ? u : Number(u)

interface StoredHalt {
  readonly until: number | null
  readonly error: unknown
}

/**
 * A stored halt. One that cannot be read still halts: with a 401 that says another process halted the key, so a
 * process never opens a key because it could not read why it was closed.
 */
export const parseHalt = (json: string): Effect.Effect<{
  readonly until: number | undefined
  readonly error: TrackingMoreError.TrackingMoreError
}> =>
  Effect.suspend(() => {
    let stored: StoredHalt
    try {
      stored = JSON.parse(json) as StoredHalt
    } catch {
      stored = { until: null, error: undefined }
    }
    return decodeError(stored.error).pipe(
      Effect.orElseSucceed(() =>
        TrackingMoreError.fromCode(401, { serverMessage: "the key was halted by another process" })
      ),
      Effect.map((error) => ({ error, until: typeof stored.until === "number" ? stored.until : undefined }))
    )
  })

/** The error of a halt as the JSON the scripts store (its tag and message when it cannot be encoded). */
export const encodeJson = (error: TrackingMoreError.TrackingMoreError): Effect.Effect<string> =>
  encodeError(error).pipe(
    Effect.orElseSucceed(() => ({ _tag: error._tag, message: error.message })),
    Effect.map((encoded) => JSON.stringify(encoded))
  )
