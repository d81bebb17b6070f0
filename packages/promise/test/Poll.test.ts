import { Simulator } from "@trackingmore-effect/simulator"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { createClient, InvalidOptionError, isInvalidOptionError } from "../src/index.js"
import type { PollOptions, TrackingMoreClient } from "../src/index.js"
import { scaled, timeScale } from "./utils.js"

let sim: Simulator.SimulatorServer
let client: TrackingMoreClient

beforeAll(async () => {
  sim = await Simulator.startServer({ timeScale, lifecycleStepSeconds: 10 })
  client = createClient(scaled(sim.baseUrl))
})

afterAll(async () => {
  await client.close()
  await sim.close()
})

/** The option named by what `pollUntilFinal` throws. */
const thrownOption = (options: unknown): string => {
  try {
    client.pollUntilFinal([{ trackingNumber: "RR100000001CN" }], options as PollOptions)
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidOptionError)
    if (!isInvalidOptionError(error)) throw new Error("expected the InvalidOptionError brand")
    expect(error.message.startsWith(`pollUntilFinal: ${error.option}`)).toBe(true)
    return error.option
  }
  throw new Error("expected pollUntilFinal to throw")
}

describe("pollUntilFinal options", () => {
  it("options that cannot work throw an InvalidOptionError naming them, before any call", () => {
    expect(thrownOption({ interval: 0 })).toBe("interval")
    expect(thrownOption({ interval: "soon" })).toBe("interval")
    expect(thrownOption({ interval: "10 minutes", maxInterval: "5 minutes" })).toBe("maxInterval")
    expect(thrownOption({ maxInterval: -5 })).toBe("maxInterval")
    expect(thrownOption({ deadline: "tomorrow" })).toBe("deadline")
    expect(thrownOption({ overlap: Infinity })).toBe("overlap")
    expect(thrownOption({ intervall: 1000 })).toBe("options.intervall")
    expect(sim.log().filter((entry) => entry.endpoint === "list")).toEqual([])
  })

  it("maxInterval and overlap reach the client: the poll runs to final with them", async () => {
    const numbers = ["RR200000001CN", "RR200000002CN"]
    await client.createMany(numbers.map((trackingNumber) => ({ trackingNumber, carrierCode: "china-post" })))
    const last = new Map<string, string | undefined>()
    const controller = new AbortController()
    for await (
      const tracking of client.pollUntilFinal(numbers.map((trackingNumber) => ({ trackingNumber })), {
        interval: 20,
        maxInterval: "40 millis",
        overlap: 0,
        signal: controller.signal
      })
    ) {
      last.set(tracking.trackingNumber, tracking.status)
    }
    expect([...last.keys()].sort()).toEqual(numbers)
    for (const status of last.values()) expect(["delivered", "expired", "undelivered", "exception"]).toContain(status)
  })
})
