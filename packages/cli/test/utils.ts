/**
 * `trackingmore` as a user runs it: `node dist/bin.js` in a child process (built from the sources before the
 * tests, see `build.ts`), with its exit code and the exact text it prints.
 */
import * as Effect from "effect/Effect"
import { spawn } from "node:child_process"
import { randomBytes } from "node:crypto"
import { fileURLToPath } from "node:url"
import { Redis } from "ioredis"

export const packageDir = fileURLToPath(new URL("..", import.meta.url))

export interface Run {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

// Nothing of the machine's own configuration reaches the command unless a test gives it.
const own = ["TRACKINGMORE_API_KEY", "TRACKINGMORE_BASE_URL", "REDIS_URL", "REDIS_PREFIX", "NO_COLOR", "FORCE_COLOR"]
const baseEnv = Object.fromEntries(Object.entries(process.env).filter(([name]) => !own.includes(name)))

export const trackingmore = (
  args: ReadonlyArray<string>,
  env: Readonly<Record<string, string>> = {}
): Effect.Effect<Run> =>
  Effect.async<Run>((resume) => {
    const child = spawn(process.execPath, ["dist/bin.js", ...args], {
      cwd: packageDir,
      env: { ...baseEnv, ...env }
    })
    let stdout = ""
    let stderr = ""
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk))
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk))
    child.on("close", (code) => resume(Effect.succeed({ code, stdout, stderr })))
    return Effect.sync(() => child.kill())
  })

export const lines = (text: string): ReadonlyArray<string> => text.trimEnd().split("\n")

// eslint-disable-next-line no-control-regex
export const ansi = /\x1b\[[0-9;]*m/

/** A problem is said in one line: no stack trace, no error object, no JSON. */
export const oneSentence = (stderr: string): void => {
  const said = lines(stderr)
  if (said.length !== 1 || /^\s+at /m.test(stderr) || /[{}]\s*$/.test(said[0]!) || said[0]!.length < 10) {
    throw new Error(`expected one sentence on stderr, got:\n${stderr}`)
  }
}

export const redisUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:6379"

/** Whether the shared Redis answers; when it does not, say so loudly, and fail when REQUIRE_REDIS=1. */
export const redisAvailable = async (): Promise<boolean> => {
  const client = new Redis(redisUrl, { lazyConnect: true, connectTimeout: 1000, maxRetriesPerRequest: 0, retryStrategy: () => null })
  client.on("error", () => {})
  try {
    await client.connect()
    await client.ping()
    return true
  } catch (error) {
    const message = `Redis at ${redisUrl} does not answer (${String(error)}): the CLI's Redis tests are SKIPPED`
    if (process.env.REQUIRE_REDIS === "1") throw new Error(`REQUIRE_REDIS=1 but ${message}`)
    console.warn(`\n!!!!!!!!!!\n!!! ${message}\n!!!!!!!!!!\n`)
    return false
  } finally {
    client.disconnect()
  }
}

/** A key prefix of this test run's own. */
export const uniquePrefix = (name: string): string => `tm-cli-test:${name}:${randomBytes(4).toString("hex")}:`

/** Deletes every key under the prefix. */
export const cleanup = async (prefix: string): Promise<void> => {
  const client = new Redis(redisUrl, { lazyConnect: true, connectTimeout: 1000, maxRetriesPerRequest: 0, retryStrategy: () => null })
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
