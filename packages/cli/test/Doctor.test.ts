import { describe, expect, it } from "@effect/vitest"
import * as Simulator from "@trackingmore-effect/simulator/Simulator"
import * as Effect from "effect/Effect"
import { afterAll } from "vitest"
import { cleanup, lines, redisAvailable, redisUrl, trackingmore, uniquePrefix } from "./utils.js"

const available = await redisAvailable()
const prefix = uniquePrefix("doctor")
afterAll(() => cleanup(prefix))

describe.concurrent("trackingmore doctor, against the simulator", () => {
  it.scopedLive("all is well: the key, the balance, the latency, the limits and the gate; exit code 0", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator.start()
      const run = yield* trackingmore(["doctor"], { TRACKINGMORE_API_KEY: "sim-key-1", TRACKINGMORE_BASE_URL: sim.baseUrl })
      expect(run.stderr).toBe("")
      expect(run.code).toBe(0)
      const out = lines(run.stdout)
      expect(out[0]).toMatch(new RegExp(`^trackingmore doctor: key [0-9a-f]{16} at ${sim.baseUrl.replace(/\./g, "\\.")}$`))
      expect(out.filter((line) => /^(ok|✗)/.test(line)).map((line) => line.split(":")[0])).toEqual([
        "ok key", "ok balance", "ok latency", "ok gate", "ok rate limits"
      ])
      expect(out).toContain("ok key: it works (user sim-9, an email on file)")
      // The account email signs its webhooks: doctor never prints it.
      expect(run.stdout).not.toContain("simulator@example.com")
      expect(run.stdout).toMatch(/ok latency: GET \/trackings\/getuserinfo answered in \d+ ms/)
      expect(out.at(-1)).toBe("All is well.")
      expect(run.stdout).not.toContain("sim-key-1")
      // it asked the simulator once
      expect(sim.log().map((entry) => entry.endpoint)).toEqual(["userInfo"])
    }), 30_000)

  it.scopedLive("problems: an empty balance, a key that does not work; one sentence each, exit code 1", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator.start()
      const poor = yield* trackingmore(["doctor"], { TRACKINGMORE_API_KEY: "sim-key-no-balance", TRACKINGMORE_BASE_URL: sim.baseUrl })
      expect(poor.code).toBe(1)
      expect(poor.stdout).toContain("✗ balance: 0")
      expect(poor.stderr).toBe(
        "The balance is 0: creating trackings fails with 4019 InsufficientBalance until the account is topped up.\n"
      )
      const wrong = yield* trackingmore(["doctor", "--json"], { TRACKINGMORE_API_KEY: "not-a-key", TRACKINGMORE_BASE_URL: sim.baseUrl })
      expect(wrong.code).toBe(1)
      const report = JSON.parse(wrong.stdout) as { checks: ReadonlyArray<{ name: string; ok: boolean }>; problems: ReadonlyArray<string> }
      expect(report.checks.find((check) => check.name === "key")?.ok).toBe(false)
      expect(report.problems).toEqual([
        `The key does not work at ${sim.baseUrl}: TrackingMore answers 4001 InvalidApiKey: Invalid API key. (GET /trackings/getuserinfo)`
      ])
      expect(wrong.stderr).toBe(`${report.problems[0]}\n`)
      expect(wrong.stdout + wrong.stderr).not.toContain("not-a-key")
    }), 30_000)

  it.live("nothing answers at TRACKINGMORE_BASE_URL; no TRACKINGMORE_API_KEY at all", () =>
    Effect.gen(function*() {
      const down = yield* trackingmore(["doctor"], { TRACKINGMORE_API_KEY: "sim-key-1", TRACKINGMORE_BASE_URL: "http://127.0.0.1:1/v2" })
      expect(down.code).toBe(1)
      expect(lines(down.stderr)).toHaveLength(1)
      expect(down.stderr).toMatch(/^TrackingMore cannot be reached at http:\/\/127\.0\.0\.1:1\/v2: /)
      const none = yield* trackingmore(["doctor"])
      expect({ code: none.code, stderr: none.stderr }).toEqual({
        code: 2,
        stderr: "trackingmore doctor: TRACKINGMORE_API_KEY is not set; the doctor checks the key your services use.\n"
      })
    }), 60_000)
})

describe.skipIf(!available)("trackingmore doctor with the gate in Redis", () => {
  it.scopedLive("a halted key is a problem with its reason and the way out, and the doctor sends nothing", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator.start()
      const env = { TRACKINGMORE_API_KEY: "sim-key-2", TRACKINGMORE_BASE_URL: sim.baseUrl, REDIS_URL: redisUrl, REDIS_PREFIX: prefix }
      const open = yield* trackingmore(["doctor"], env)
      expect(open.code).toBe(0)
      expect(open.stdout).toContain(`ok gate: (Redis ${redisUrl}, prefix ${prefix}) open`)
      const halt = yield* trackingmore(["gate", "halt", "--key-from-env", "--reason", "billing fixed soon"], env)
      expect(halt.code).toBe(0)
      const before = sim.log().length
      const halted = yield* trackingmore(["doctor"], env)
      expect(halted.code).toBe(1)
      expect(halted.stderr).toMatch(
        /^The key is halted until it is reset by Forbidden \(403\): .*billing fixed soon\. Once the cause is fixed, lift it with: trackingmore gate reset --key-from-env\.\n$/
      )
      expect(halted.stdout).toContain("ok key: not called while the key cannot be used (see the gate)")
      expect(sim.log().length).toBe(before)
      const unreachable = yield* trackingmore(["doctor"], { ...env, REDIS_URL: "redis://127.0.0.1:1" })
      expect(unreachable.code).toBe(1)
      expect(unreachable.stderr).toBe(
        "Redis at redis://127.0.0.1:1 does not answer (REDIS_URL): every process falls back to a gate of its own, and a 429 then cools only the process that got it.\n"
      )
    }), 60_000)
})
