/**
 * N worker processes (N = 1, 4, 8) create 2000 trackings together against one simulator key, with the Redis layers
 * and with in-memory layers only. Prints total time ÷ the physical limit (⌈2000/40⌉ batch calls at R req/s) and the
 * 429s the simulator sent. Time-scaled (one simulated second = TIME_SCALE real seconds), loopback only, bounded.
 *
 *   node --import tsx bench/fleet.ts
 *   (REDIS_URL, default redis://127.0.0.1:6379; TIME_SCALE, default 0.05; PENALTY_SECONDS, default 24)
 */
import * as Simulator from "@trackingmore-effect/simulator/Simulator"
import { randomBytes } from "node:crypto"
import { Redis } from "ioredis"
import { startPool } from "../test/fixtures/fleet.js"

const redisUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:6379"
const timeScale = Number(process.env.TIME_SCALE ?? 0.05)
// The documented penalty is 120 s; 24 simulated s keeps the in-memory rows (which meet many penalties) inside the
// time budget. The clients' cooldown matches it, so it changes the cost of a 429, not whether one happens.
const penaltySeconds = Number(process.env.PENALTY_SECONDS ?? 24)
const total = 2000
const rate = 1 // simulated requests per second (the documented default)
const windowMs = 1000 * timeScale / rate
const penaltyMs = penaltySeconds * 1000 * timeScale
const physicalMs = (Math.ceil(total / 40) / rate) * 1000 * timeScale
const budgetMs = 110_000
const roundCapMs = 20_000
const sizes = [1, 4, 8]
const modes = ["redis", "memory"] as const
const began = Date.now()

const redisAnswers = async () => {
  const client = new Redis(redisUrl, { lazyConnect: true, connectTimeout: 1000, maxRetriesPerRequest: 0, retryStrategy: () => null })
  client.on("error", () => {})
  try {
    await client.connect()
    return (await client.ping()) === "PONG"
  } catch {
    return false
  } finally {
    client.disconnect()
  }
}

const cleanup = async (prefix: string) => {
  const client = new Redis(redisUrl)
  try {
    const keys = await client.keys(`${prefix}*`)
    if (keys.length > 0) await client.del(...keys)
  } finally {
    client.disconnect()
  }
}

const main = async () => {
  const withRedis = await redisAnswers()
  if (!withRedis) console.warn(`!!! Redis at ${redisUrl} does not answer: only the in-memory rows are measured`)
  let pool = startPool(Math.max(...sizes))
  const rows: Array<Record<string, string | number>> = []
  try {
    for (const workers of sizes) {
      for (const mode of modes) {
        if (mode === "redis" && !withRedis) continue
        if (Date.now() - began > budgetMs) {
          rows.push({ workers, mode, note: "skipped: time budget spent" })
          continue
        }
        const key = "sim-key-1"
        const prefix = `tm-bench:${randomBytes(4).toString("hex")}:`
        const roundLimitMs = Math.max(5_000, Math.min(roundCapMs, budgetMs - (Date.now() - began)))
        const sim = await Simulator.startServer({ timeScale, keys: [{ key }], rateLimits: { default: rate, penaltySeconds } })
        try {
          const result = await pool.run({
            workers,
            total,
            baseUrl: sim.baseUrl,
            apiKey: key,
            mode,
            redisUrl,
            prefix,
            windowMs,
            cooldownMs: penaltyMs + 50,
            timeoutMs: roundLimitMs
          })
          const counters = sim.counters()
          rows.push({
            workers,
            mode,
            "time (s)": (result.elapsedMs / 1000).toFixed(2),
            "physical limit (s)": (physicalMs / 1000).toFixed(2),
            "time ÷ limit": (result.elapsedMs / physicalMs).toFixed(2),
            "requests": counters.total,
            "429s": counters.byCode["429"] ?? 0,
            "created+existed": result.created + result.existed,
            failed: result.failed
          })
        } catch (error) {
          // cut off: the counters so far still tell the story; the busy workers are replaced
          const counters = sim.counters()
          rows.push({
            workers,
            mode,
            "time (s)": `> ${(roundLimitMs / 1000).toFixed(0)}`,
            "physical limit (s)": (physicalMs / 1000).toFixed(2),
            "time ÷ limit": `> ${(roundLimitMs / physicalMs).toFixed(1)}`,
            "requests": counters.total,
            "429s": counters.byCode["429"] ?? 0,
            note: error instanceof Error ? error.message : String(error)
          })
          pool.close()
          pool = startPool(Math.max(...sizes))
        } finally {
          await sim.close()
          if (withRedis) await cleanup(prefix)
        }
      }
    }
  } finally {
    pool.close()
  }
  console.log(
    `\n${total} trackings, ${Math.ceil(total / 40)} batch calls, ${rate} req/s per key, time scale ${timeScale} ` +
      `(1 simulated s = ${windowMs} ms, 429 penalty ${penaltyMs} ms)`
  )
  console.table(rows)
  console.log(`bench wall time ${((Date.now() - began) / 1000).toFixed(1)} s`)
  process.exit(0)
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
