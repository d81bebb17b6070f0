import { Simulator } from "@trackingmore-effect/simulator"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import { createClient, isTrackingMoreError } from "../src/index.js"
import type { ClientOptions } from "../src/index.js"
import { scaled, timeScale } from "./utils.js"

let sim: Simulator.SimulatorServer

beforeAll(async () => {
  sim = await Simulator.startServer({ timeScale })
})
afterAll(() => sim.close())
beforeEach(() => sim.reset())

const numbers = (n: number, prefix: string) => Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(6, "0")}`)

const withClient = async <A>(overrides: Partial<ClientOptions>, f: (client: ReturnType<typeof createClient>) => Promise<A>) => {
  const client = createClient(scaled(sim.baseUrl, { attemptTimeout: "20 seconds", ...overrides }))
  try {
    return await f(client)
  } finally {
    await client.close()
  }
}

describe("batching through the Promise facade", () => {
  it("await Promise.all(numbers.map((n) => client.create(…))) coalesces into batch calls", async () => {
    const all = numbers(120, "PROMISE")
    const trackings = await withClient({}, (client) =>
      Promise.all(all.map((trackingNumber) => client.create({ trackingNumber, carrierCode: "dhl" }))))
    expect(trackings.map((t) => t.trackingNumber)).toEqual(all)
    const batches = sim.log().filter((e) => e.endpoint === "batch")
    expect(batches.length).toBeLessThanOrEqual(4)
    expect(sim.log().length).toBe(batches.length)
  })

  it("concurrent gets coalesce into list calls, each call resolving with its own tracking", async () => {
    const all = numbers(80, "PGET")
    await withClient({}, async (client) => {
      await client.createMany(all.map((trackingNumber) => ({ trackingNumber, carrierCode: "dhl" })))
      const before = sim.log().length
      const trackings = await Promise.all(all.map((n) => client.get("dhl", n)))
      expect(trackings.map((t) => t.trackingNumber)).toEqual(all)
      const sent = sim.log().slice(before)
      expect(sent.every((e) => e.endpoint === "list")).toBe(true)
      expect(sent.length).toBeLessThanOrEqual(3)
    })
  })

  it("an item's error rejects only its own call", async () => {
    const results = await withClient({}, (client) =>
      Promise.allSettled([
        client.create({ trackingNumber: "PGOOD00001", carrierCode: "dhl" }),
        client.create({ trackingNumber: "ab", carrierCode: "dhl" })
      ]))
    expect(results[0]).toMatchObject({ status: "fulfilled", value: { trackingNumber: "PGOOD00001" } })
    expect(results[1]?.status).toBe("rejected")
    const reason = results[1]?.status === "rejected" ? results[1].reason : undefined
    expect(isTrackingMoreError(reason) && reason.tag).toBe("InvalidTrackingNumber")
    expect(sim.log().map((e) => e.endpoint)).toEqual(["batch"])
  })

  it("batching: false sends one request per call", async () => {
    const all = numbers(20, "POFF")
    await withClient({ batching: false }, (client) =>
      Promise.all(all.map((trackingNumber) => client.create({ trackingNumber, carrierCode: "dhl" }))))
    expect(sim.log().map((e) => e.endpoint)).toEqual(Array(20).fill("create"))
  })

  it("a batching option that cannot work throws InvalidOptionError naming it", () => {
    expect(() => createClient({ apiKey: "k", batching: { maxBatchSize: 41 } })).toThrow(/batching\.maxBatchSize/)
    expect(() => createClient({ apiKey: "k", batching: { window: "soon" as "1 millis" } })).toThrow(/batching\.window/)
  })
})
