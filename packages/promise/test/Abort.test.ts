import { Simulator } from "@trackingmore-effect/simulator"
import { afterEach, describe, expect, it } from "vitest"
import { createClient, isAbortError } from "../src/index.js"
import { scaled, timeScale } from "./utils.js"

const servers: Array<Simulator.SimulatorServer> = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()))
})

const start = async (options: Simulator.Options) => {
  const sim = await Simulator.startServer({ timeScale, ...options })
  servers.push(sim)
  return sim
}

describe("abort", () => {
  it("aborting in the middle of a two-minute cooldown rejects at once and sends nothing more", async () => {
    const sim = await start({ faults: { scripted: { get: ["429"] } } })
    // A real two-minute cooldown: the scripted 429 puts the key in it.
    const client = createClient(scaled(sim.baseUrl, { policy: { tooManyRequests: { wait: "2 minutes" } } }))
    try {
      await client.create({ trackingNumber: "RR200000001CN", carrierCode: "china-post" })
      const controller = new AbortController()
      const call = client.get("china-post", "RR200000001CN", { signal: controller.signal })
      const outcome = call.then(() => "resolved", (e: unknown) => e)

      // Wait until the 429 has been answered, then a little longer: the call is now inside the cooldown.
      const deadline = Date.now() + 5_000
      while (!sim.log().some((e) => e.endpoint === "get" && e.code === 429) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 10))
      }
      await new Promise((r) => setTimeout(r, 300))
      const before = sim.log().length

      const abortedAt = Date.now()
      controller.abort()
      const error = await outcome
      const tookMs = Date.now() - abortedAt

      expect(error).toBeInstanceOf(DOMException)
      expect((error as DOMException).name).toBe("AbortError")
      expect(isAbortError(error)).toBe(true)
      // "At once": far inside the two-minute cooldown (a loaded CI machine may take some milliseconds).
      expect(tookMs).toBeLessThan(1_000)

      // Nothing more was sent for the call.
      await new Promise((r) => setTimeout(r, 500))
      expect(sim.log().length).toBe(before)
      expect(sim.log().filter((e) => e.endpoint === "get").map((e) => e.code)).toEqual([429])
    } finally {
      await client.close()
    }
  })

  it("a signal already aborted rejects without sending", async () => {
    const sim = await start({})
    const client = createClient(scaled(sim.baseUrl))
    try {
      const error = await client.carriers({ signal: AbortSignal.abort() }).catch((e: unknown) => e)
      expect(isAbortError(error)).toBe(true)
      expect(sim.log()).toEqual([])
    } finally {
      await client.close()
    }
  })

  it("rejects with the signal's reason, like fetch (AbortSignal.timeout gives a TimeoutError)", async () => {
    const sim = await start({ faults: { slowMs: 5_000, scripted: { carriers: ["slow"] } } })
    const client = createClient(scaled(sim.baseUrl, { attemptTimeout: "10 seconds" }))
    try {
      const error = await client.carriers({ signal: AbortSignal.timeout(100) }).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(DOMException)
      expect((error as DOMException).name).toBe("TimeoutError")
    } finally {
      await client.close()
    }
  })

  it("aborting pollUntilFinal ends the iteration with AbortError and stops polling", async () => {
    const sim = await start({ lifecycleStepSeconds: 100_000 })
    const client = createClient(scaled(sim.baseUrl))
    try {
      await client.create({ trackingNumber: "RR300000001CN", carrierCode: "china-post" })
      const controller = new AbortController()
      const seen: Array<string | undefined> = []
      const loop = (async () => {
        for await (const tracking of client.pollUntilFinal([{ trackingNumber: "RR300000001CN" }], {
          interval: 20,
          signal: controller.signal
        })) {
          seen.push(tracking.status)
        }
      })()
      await new Promise((r) => setTimeout(r, 200))
      controller.abort()
      await expect(loop).rejects.toSatisfy(isAbortError)
      expect(seen.length).toBe(1)
      // A list call already on the wire when the signal fired may still reach the server's log; let it land,
      // then nothing more may come (at a 20 ms interval a poll that went on would send about ten).
      await new Promise((r) => setTimeout(r, 50))
      const after = sim.log().length
      await new Promise((r) => setTimeout(r, 200))
      expect(sim.log().length).toBe(after)
    } finally {
      await client.close()
    }
  })
})
