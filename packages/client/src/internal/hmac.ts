/**
 * The v2 webhook signature: HMAC-SHA256 of `timeStr` keyed with the account's email, lowercase hex, computed with
 * WebCrypto (Node, Deno and edge runtimes alike), and a comparison that does not tell how much of a forged
 * signature was right.
 */
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"

const encoder = new TextEncoder()

const hex = (bytes: ArrayBuffer): string => {
  let out = ""
  for (const byte of new Uint8Array(bytes)) out += byte.toString(16).padStart(2, "0")
  return out
}

/** As TrackingMore computes it: PHP's `hash_hmac("sha256", $timeStr, $email)`. */
export const sign = (email: Redacted.Redacted<string>, timeStr: string): Effect.Effect<string> =>
  Effect.promise(async () => {
    const raw = encoder.encode(Redacted.value(email))
    // WebCrypto refuses an empty HMAC key; HMAC pads keys to its block size with zeros, so 64 zero bytes are
    // the same key (an empty email is a misconfiguration, which then shows as every delivery refused).
    const key = await globalThis.crypto.subtle.importKey(
      "raw",
      raw.length === 0 ? new Uint8Array(64) : raw,
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign"]
    )
    return hex(await globalThis.crypto.subtle.sign("HMAC", key, encoder.encode(timeStr)))
  })

/** Every character compared, without an early exit: the time depends on the lengths only. */
export const constantTimeEquals = (a: string, b: string): boolean => {
  if (a.length !== b.length) return false
  let diff = 0
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i)
  return diff === 0
}
