import { describe, expect, it } from "@effect/vitest"
import * as Simulator from "@trackingmore-effect/simulator/Simulator"
import { afterAll } from "vitest"
import { runFleet } from "./fixtures/fleet.js"
import * as Harness from "./utils/redis.js"

const available = await Harness.available()
const prefix = Harness.uniquePrefix("fleet")
afterAll(() => Harness.cleanup(prefix))

// One simulated second lasts 50 real ms: the 120 s penalty lasts 6 s, 1 request/s is one per 50 ms. The clients
// pace themselves at 80 % of that, which leaves room for the scheduling jitter of a loaded machine.
const timeScale = 0.05
const windowMs = 1000 * timeScale * 1.25
const penaltyMs = 120_000 * timeScale
const cooldownMs = penaltyMs + 50

describe.skipIf(!available)("a fleet of processes sharing one key through Redis", () => {
  it("after a 429 no process sends anything until the cooldown ends, and the fleet stays under the limit", async () => {
    const key = "sim-key-1"
    const sim = await Simulator.startServer({
      timeScale,
      keys: [{ key }],
      rateLimits: { default: 1 },
      // the 4th batch call is answered 429 and starts the key's 120 s penalty
      faults: { scripted: { batch: ["none", "none", "none", "429-penalty"] } }
    })
    try {
      const result = await runFleet({
        workers: 4,
        total: 400,
        baseUrl: sim.baseUrl,
        apiKey: key,
        mode: "redis",
        redisUrl: Harness.url,
        prefix,
        pacing: { windowMs, cooldownMs }
      })
      expect(result.failed).toBe(0)
      expect(result.created + result.existed).toBe(400)

      const log = sim.log().filter((entry) => entry.key === key).sort((a, b) => a.at - b.at)
      if (process.env.FLEET_DEBUG) console.log(log.map((e) => `${e.at - log[0]!.at} ${e.code ?? e.status} ${e.at}`).join("\n"))
      const is429 = (entry: Simulator.LogEntry) => entry.code === 429 || entry.status === 429
      const first429 = log.find(is429)
      expect(first429).toBeDefined()
      const t429 = first429!.at
      // Requests already on their way when the 429 arrived meet the penalty too (echoes); all arrive within it.
      const tooMany = log.filter(is429)
      expect(tooMany.every((entry) => entry.at < t429 + penaltyMs)).toBe(true)
      // After the last of them, nothing reaches the simulator until the cooldown recorded in Redis ends. (The
      // cooldown starts when its 429'd request was sent, so the instant it was recorded is not seen from here.)
      const coolUntil = await Harness.coolUntil(prefix)
      const lastTooMany = tooMany[tooMany.length - 1]!.at
      if (process.env.FLEET_DEBUG) console.log(`start ${log[0]!.at} last 429 ${lastTooMany - log[0]!.at} until ${coolUntil - log[0]!.at}`)
      const during = log.filter((entry) => entry.at > lastTooMany && entry.at < coolUntil)
      expect(during).toEqual([])
      // Then one probe, which succeeds, and the rest.
      const after = log.filter((entry) => entry.at >= coolUntil)
      expect(after.length).toBeGreaterThan(0)
      expect(after[0]!.code).toBe(200)
      // The fleet's rate: never more than the limit plus the bucket's burst in any 10-window span.
      for (let i = 0; i < log.length; i++) {
        const inSpan = log.filter((entry) => entry.at >= log[i]!.at && entry.at < log[i]!.at + 10 * windowMs)
        expect(inSpan.length).toBeLessThanOrEqual(10 + 3)
      }
      expect(log.length).toBeGreaterThanOrEqual(10)
    } finally {
      await sim.close()
    }
  }, 180_000)
})
