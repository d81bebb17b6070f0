/**
 * What Redis holds for the gates of a prefix, read for an operator: one key's gate in one script that changes
 * nothing, and the keys that have a gate, found with `SCAN`.
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as RedisConnection from "../RedisConnection.js"
import type { KeyStatus } from "../RedisGate.js"
import { asArray, asNumber, parseHalt } from "./gateCodec.js"
import * as keys from "./keys.js"
import * as scripts from "./scripts.js"

const scriptStatus = RedisConnection.script(scripts.gateStatus)

// PTTL answers -2 for a key that does not exist.
const ttlOf = (u: unknown): number | undefined => {
  const n = asNumber(u)
  return Number.isFinite(n) && n !== -2 ? n : undefined
}

export const status = (
  key: string
): Effect.Effect<KeyStatus, RedisConnection.RedisUnavailable, RedisConnection.RedisConnection> =>
  Effect.gen(function*() {
    const redis = yield* RedisConnection.RedisConnection
    const prefix = redis.prefix
    const reply = asArray(
      yield* redis.eval(scriptStatus, [
        keys.gate(prefix, key),
        keys.halt(prefix, key),
        keys.lease(prefix, key),
        keys.reset(prefix, key)
      ], [])
    )
    const now = yield* Clock.currentTimeMillis
    const [redisNowRaw, coolRaw, probeRaw, gateTtl, haltJson, haltTtl, leaseTtl, resetRaw, resetTtl, extRaw] = reply
    const redisNow = asNumber(redisNowRaw)
    // Redis instants are told on this process's clock, as `state` does.
    const local = (redisMs: number) => now + Math.ceil(redisMs - redisNow)
    const cool = asNumber(coolRaw)
    const halt = typeof haltJson === "string" && haltJson !== "" ? yield* parseHalt(haltJson) : undefined
    const resetAt = asNumber(resetRaw)
    return {
      key,
      coolingUntil: Number.isFinite(cool) && cool > redisNow ? local(cool) : undefined,
      probeNeeded: probeRaw === "1",
      probeLease: ttlOf(leaseTtl),
      extendsPenalty: extRaw === "1",
      halt: halt === undefined
        ? undefined
        : { error: halt.error, until: halt.until === undefined ? undefined : local(halt.until), ttl: ttlOf(haltTtl) ?? 0 },
      resetAt: Number.isFinite(resetAt) && resetRaw !== "" ? local(resetAt) : undefined,
      ttls: { gate: ttlOf(gateTtl), halt: ttlOf(haltTtl), lease: ttlOf(leaseTtl), reset: ttlOf(resetTtl) }
    }
  })

// SCAN's MATCH is a glob: a prefix with glob characters must match only itself.
const escapeGlob = (text: string): string => text.replace(/[*?[\]\\]/g, (c) => `\\${c}`)

export const keysWithState: Effect.Effect<
  ReadonlyArray<string>,
  RedisConnection.RedisUnavailable,
  RedisConnection.RedisConnection
> = Effect.gen(function*() {
  const redis = yield* RedisConnection.RedisConnection
  const pattern = `${escapeGlob(redis.prefix)}gate:{*`
  const found = new Set<string>()
  let cursor = "0"
  do {
    const [next, batch] = yield* redis.use((client) => client.scan(cursor, "MATCH", pattern, "COUNT", 1000))
    cursor = next
    for (const name of batch) {
      const match = /^gate:\{([^}]*)\}(?::(?:lease|halt|reset))?$/.exec(name.slice(redis.prefix.length))
      if (match !== null) found.add(match[1]!)
    }
  } while (cursor !== "0")
  return [...found].sort()
})
