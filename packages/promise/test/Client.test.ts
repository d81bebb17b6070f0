import { Simulator } from "@trackingmore-effect/simulator"
import { inspect } from "node:util"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { ClientClosedError, createClient, isClientClosedError, isTrackingMoreError, TrackingMoreApiError } from "../src/index.js"
import type { TrackingMoreClient } from "../src/index.js"
import { scaled, timeScale } from "./utils.js"

let sim: Simulator.SimulatorServer
let client: TrackingMoreClient

beforeAll(async () => {
  sim = await Simulator.startServer({ timeScale, seed: 7 })
  client = createClient(scaled(sim.baseUrl))
})

afterAll(async () => {
  await client.close()
  await sim.close()
})

describe("round trips", () => {
  it("create, get, update, list, delete", async () => {
    const created = await client.create({ trackingNumber: "1Z999AA10123456784", carrierCode: "ups", title: "shoes" })
    expect(created.trackingNumber).toBe("1Z999AA10123456784")
    expect(created.title).toBe("shoes")

    const again = await client.create({ trackingNumber: "1Z999AA10123456784", carrierCode: "ups" })
    expect(again.trackingNumber).toBe("1Z999AA10123456784")

    const got = await client.get("ups", "1Z999AA10123456784")
    expect(got.carrierCode).toBe("ups")

    const updated = await client.update("ups", "1Z999AA10123456784", { title: "boots" })
    expect(updated.title).toBe("boots")

    const page = await client.list({ numbers: ["1Z999AA10123456784"] })
    expect(page.items.map((t) => t.trackingNumber)).toEqual(["1Z999AA10123456784"])

    await client.delete("ups", "1Z999AA10123456784")
    await expect(client.update("ups", "1Z999AA10123456784", { title: "gone" })).rejects.toSatisfy(
      (e: unknown) => isTrackingMoreError(e, "TrackingNotFound") && e.code === 4017
    )
  })

  it("detect, carriers, userInfo, statusCounts, realtime", async () => {
    const candidates = await client.detect("RR123456789CN")
    expect(candidates.map((c) => c.code)).toContain("china-post")
    const carriers = await client.carriers()
    expect(carriers.length).toBe(10)
    const info = await client.userInfo()
    expect(info).toBeDefined()
    const counts = await client.statusCounts()
    expect(typeof counts.pending).toBe("number")
    const live = await client.realtime({ trackingNumber: "123456789012", carrierCode: "fedex" })
    expect(live.trackingNumber).toBe("123456789012")
  })

  it("createMany gives one outcome per input, in order", async () => {
    await client.create({ trackingNumber: "RR000000001CN", carrierCode: "china-post" })
    const outcomes = await client.createMany([
      { trackingNumber: "RR000000001CN", carrierCode: "china-post" },
      { trackingNumber: "RR000000002CN", carrierCode: "china-post" },
      { trackingNumber: "bad number!", carrierCode: "china-post" },
      { trackingNumber: "", carrierCode: "china-post" },
      { trackingNumber: "RR000000003CN", carrierCode: "no-such-carrier" }
    ])
    expect(outcomes.map((o) => o._tag)).toEqual(["Existed", "Created", "Failed", "Failed", "Failed"])
    const failed = outcomes.flatMap((o) => o._tag === "Failed" ? [o.error] : [])
    expect(failed.map((e) => e.tag)).toEqual(["InvalidTrackingNumber", "TrackingNumberRequired", "InvalidCarrierCode"])
    for (const error of failed) {
      expect(error).toBeInstanceOf(TrackingMoreApiError)
      expect(isTrackingMoreError(error)).toBe(true)
    }
  })

  it("pollUntilFinal is an async iterable that ends when every shipment is final", async () => {
    const local = await Simulator.startServer({ timeScale, lifecycleStepSeconds: 10 })
    const c = createClient(scaled(local.baseUrl))
    try {
      const numbers = ["RR100000001CN", "RR100000002CN", "RR100000003CN"]
      await c.createMany(numbers.map((trackingNumber) => ({ trackingNumber, carrierCode: "china-post" })))
      const last = new Map<string, string | undefined>()
      for await (const tracking of c.pollUntilFinal(numbers.map((trackingNumber) => ({ trackingNumber })), {
        interval: 50
      })) {
        last.set(tracking.trackingNumber, tracking.status)
      }
      expect([...last.keys()].sort()).toEqual(numbers)
      for (const status of last.values()) {
        expect(["delivered", "expired", "undelivered", "exception"]).toContain(status)
      }
    } finally {
      await c.close()
      await local.close()
    }
  })
})

describe("errors", () => {
  it("rejects with the error class, keeping the Effect error as cause", async () => {
    const error = await client.get("ups", "x").catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TrackingMoreApiError)
    expect(error).toBeInstanceOf(Error)
    if (!isTrackingMoreError(error)) throw new Error("expected a TrackingMoreError")
    expect(error.tag).toBe("InvalidTrackingNumber")
    expect(error.code).toBe(4014)
    expect(error.method).toBe("GET")
    expect(error.endpoint).toBe("/trackings/ups/x")
    expect(error.retryAfter).toBeUndefined()
    expect(error.cause._tag).toBe("InvalidTrackingNumber")
    expect(error.name).toBe("TrackingMoreApiError")
    expect(JSON.parse(JSON.stringify(error))).toMatchObject({ tag: "InvalidTrackingNumber", code: 4014 })
  })

  it("halting errors of a bad key reject without retrying", async () => {
    const bad = createClient(scaled(sim.baseUrl, { apiKey: "sim-key-deleted" }))
    try {
      await expect(bad.userInfo()).rejects.toSatisfy((e: unknown) => isTrackingMoreError(e, "ApiKeyDeleted"))
    } finally {
      await bad.close()
    }
  })

  it("a 503 beyond the retries rejects with ServiceUnavailable", async () => {
    const local = await Simulator.startServer({ timeScale, faults: { scripted: { carriers: ["503", "503"] } } })
    const c = createClient(scaled(local.baseUrl, { policy: { serviceUnavailable: { maxRetries: 0 } } }))
    try {
      const error = await c.carriers().catch((e: unknown) => e)
      expect(isTrackingMoreError(error, "ServiceUnavailable")).toBe(true)
    } finally {
      await c.close()
      await local.close()
    }
  })
})

describe("secrets", () => {
  it("the API key appears neither in inspect nor JSON of the client nor in errors", async () => {
    const secret = "sim-key-2"
    const c = createClient(scaled(sim.baseUrl, { apiKey: secret }))
    try {
      expect(inspect(c, { depth: 10, showHidden: true })).not.toContain(secret)
      expect(JSON.stringify(c)).not.toContain(secret)
      expect(String(c)).not.toContain(secret)
      const error = await c.get("ups", "x").catch((e: unknown) => e)
      expect(inspect(error, { depth: 10 })).not.toContain(secret)
    } finally {
      await c.close()
    }
  })

  it("rejects an empty key without echoing anything", () => {
    expect(() => createClient({ apiKey: "" })).toThrow(TypeError)
  })
})

describe("close", () => {
  it("rejects running and later calls with ClientClosedError", async () => {
    const local = await Simulator.startServer({ timeScale, faults: { slowMs: 5_000, scripted: { carriers: ["slow"] } } })
    const c = createClient(scaled(local.baseUrl, { attemptTimeout: "10 seconds" }))
    const running = c.carriers()
    await new Promise((r) => setTimeout(r, 100))
    const started = Date.now()
    await c.close()
    await expect(running).rejects.toBeInstanceOf(ClientClosedError)
    expect(Date.now() - started).toBeLessThan(2_000)
    expect(c.closed).toBe(true)
    const later = await c.userInfo().catch((e: unknown) => e)
    expect(isClientClosedError(later)).toBe(true)
    expect((later as Error).message).toMatch(/userInfo cannot run after close\(\)/)
    await c.close()
    await local.close()
  })
})
