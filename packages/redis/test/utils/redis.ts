import { execFileSync } from "node:child_process"
import { randomBytes } from "node:crypto"
import { Redis } from "ioredis"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"

export const url = process.env.REDIS_URL ?? "redis://127.0.0.1:6379"

/** Whether the shared Redis answers; when it does not, say so loudly, and fail when REQUIRE_REDIS=1. */
export const available = async (): Promise<boolean> => {
  const client = new Redis(url, { lazyConnect: true, connectTimeout: 1000, maxRetriesPerRequest: 0, retryStrategy: () => null })
  client.on("error", () => {})
  try {
    await client.connect()
    await client.ping()
    return true
  } catch (error) {
    const message = `Redis at ${url} does not answer (${String(error)}): the Redis tests are SKIPPED`
    if (process.env.REQUIRE_REDIS === "1") throw new Error(`REQUIRE_REDIS=1 but ${message}`)
    console.warn(`\n!!!!!!!!!!\n!!! ${message}\n!!!!!!!!!!\n`)
    return false
  } finally {
    client.disconnect()
  }
}

/** A prefix unique to this test run. */
export const uniquePrefix = (name: string): string => `tm-test:${name}:${randomBytes(4).toString("hex")}:`

/** Deletes every key under the prefix. */
export const cleanup = async (prefix: string, target = url): Promise<void> => {
  const client = new Redis(target, { lazyConnect: true, connectTimeout: 1000, maxRetriesPerRequest: 0, retryStrategy: () => null })
  client.on("error", () => {})
  try {
    await client.connect()
    const found = await client.keys(`${prefix}*`)
    if (found.length > 0) await client.del(...found)
  } catch {
    // nothing to clean when Redis is gone
  } finally {
    client.disconnect()
  }
}

/** Keys under the prefix with their PTTL. */
export const pttls = async (prefix: string): Promise<Record<string, number>> => {
  const client = new Redis(url)
  try {
    const found = await client.keys(`${prefix}*`)
    const out: Record<string, number> = {}
    for (const key of found) out[key.slice(prefix.length)] = await client.pttl(key)
    return out
  } finally {
    client.disconnect()
  }
}

/** A second, private redis-server that a test may stop, start and empty (never the shared one). */
export const privateServer = (port: number) => {
  const cli = (...args: Array<string>): string =>
    execFileSync("redis-cli", ["-p", String(port), ...args], { stdio: "pipe", encoding: "utf8" })
  const start = () => {
    execFileSync("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "yes"])
    // wait until it answers
    for (let i = 0; i < 50; i++) {
      try {
        cli("ping")
        return
      } catch {
        execFileSync("sleep", ["0.05"])
      }
    }
  }
  const stop = () => {
    try {
      cli("shutdown", "nosave")
    } catch {
      // already stopped
    }
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    start,
    stop,
    /** Stop it and start it again with nothing in it (it never saves), as a crashed or replaced Redis comes back. */
    restartEmpty: () => {
      stop()
      start()
    },
    /** Empty it without a restart: the connections stay up. */
    flushAll: () => {
      cli("flushall")
    },
    /** How many keys it holds. */
    size: (): number => Number(cli("dbsize").trim())
  }
}

/** A clock `skew` ms off the real one, for clock-skew tests. */
export const skewedClock = (skew: number): Clock.Clock => ({
  [Clock.ClockTypeId]: Clock.ClockTypeId,
  unsafeCurrentTimeMillis: () => Date.now() + skew,
  unsafeCurrentTimeNanos: () => BigInt(Date.now() + skew) * 1_000_000n,
  currentTimeMillis: Effect.sync(() => Date.now() + skew),
  currentTimeNanos: Effect.sync(() => BigInt(Date.now() + skew) * 1_000_000n),
  sleep: (duration: Duration.Duration) =>
    Effect.async<void>((resume) => {
      const timer = setTimeout(() => resume(Effect.void), Duration.toMillis(duration))
      return Effect.sync(() => clearTimeout(timer))
    })
})

/** The `cool` field of the only gate hash under the prefix (Redis epoch ms), or NaN. */
export const coolUntil = async (prefix: string): Promise<number> => {
  const client = new Redis(url)
  try {
    const [gate] = (await client.keys(`${prefix}gate:*`)).filter((key) => key.endsWith("}"))
    return gate === undefined ? NaN : Number(await client.hget(gate, "cool"))
  } finally {
    client.disconnect()
  }
}

/** The `cool` field of one key's gate hash (Redis epoch ms), or NaN. */
export const coolOf = async (prefix: string, key: string, target = url): Promise<number> => {
  const client = new Redis(target)
  try {
    const cool = await client.hget(`${prefix}gate:{${key}}`, "cool")
    return cool === null ? NaN : Number(cool)
  } finally {
    client.disconnect()
  }
}

/** The numbers stored at the given keys under the prefix (NaN where a key is missing). */
export const numbersAt = async (prefix: string, names: ReadonlyArray<string>, target = url): Promise<Array<number>> => {
  const client = new Redis(target)
  try {
    const values = await client.mget(...names.map((name) => `${prefix}${name}`))
    return values.map((value) => value === null ? NaN : Number(value))
  } finally {
    client.disconnect()
  }
}
