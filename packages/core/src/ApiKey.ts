/**
 * The fingerprint that stands for an API key wherever something must be keyed by it — the gate, the retry
 * budget, the rate limiter, Redis keys, spans — so that the key itself reaches none of them. Computed with
 * WebCrypto, so it runs wherever `fetch` does (Node, Deno, Bun, edge workers).
 *
 * @since 0.2.0
 */
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"

/**
 * The first 16 hex digits of the SHA-256 of the key: enough to tell keys apart, too little to recover one.
 *
 * @since 0.2.0
 * @category fingerprints
 * @example
 * ```ts
 * import { ApiKey } from "@trackingmore-effect/core"
 * import { Effect, Redacted } from "effect"
 * Effect.runPromise(ApiKey.fingerprint(Redacted.make("my-key"))).then(console.log) // 16 hex digits
 * ```
 */
export const fingerprint = (apiKey: Redacted.Redacted<string>): Effect.Effect<string> =>
  Effect.promise(async () => {
    const digest = await globalThis.crypto.subtle.digest("SHA-256", new TextEncoder().encode(Redacted.value(apiKey)))
    return Array.from(new Uint8Array(digest).subarray(0, 8), (byte) => byte.toString(16).padStart(2, "0")).join("")
  })
