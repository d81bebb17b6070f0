import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import { createHash } from "node:crypto"
import * as ApiKey from "../src/ApiKey.js"

describe("ApiKey.fingerprint", () => {
  it.effect("is the first 16 hex digits of the key's SHA-256, computed independently here", () =>
    Effect.gen(function*() {
      const expected = createHash("sha256").update("tm-key-123").digest("hex").slice(0, 16)
      assert.strictEqual(yield* ApiKey.fingerprint(Redacted.make("tm-key-123")), expected)
      assert.match(yield* ApiKey.fingerprint(Redacted.make("é ü")), /^[0-9a-f]{16}$/)
    }))
})
