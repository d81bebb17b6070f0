import { Simulator } from "@trackingmore-effect/simulator"
import { inspect } from "node:util"
import { describe, expect, it } from "vitest"
import {
  ClientClosedError,
  createClient,
  InvalidOptionError,
  isInvalidOptionError,
  isTrackingMoreError,
  TrackingMoreApiError
} from "../src/index.js"
import type { ClientOptions } from "../src/index.js"
import { toPromiseError } from "../src/internal/runner.js"
import * as CoreError from "@trackingmore-effect/core/TrackingMoreError"

/** The option named by what `createClient` throws. */
const thrownOption = (options: unknown): string => {
  try {
    createClient(options as ClientOptions)
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidOptionError)
    expect(error).toBeInstanceOf(TypeError)
    if (!isInvalidOptionError(error)) throw new Error("expected the InvalidOptionError brand")
    expect(error.message.startsWith(`createClient: ${error.option}`)).toBe(true)
    return error.option
  }
  throw new Error("expected createClient to throw")
}

describe("createClient checks every option before anything runs", () => {
  it("batchSize NaN, 0, 41", () => {
    for (const batchSize of [NaN, 0, 41]) expect(thrownOption({ apiKey: "k", batchSize })).toBe("batchSize")
  })

  it("a rate limit of 0, NaN or below zero (which used to wait forever)", () => {
    for (const limit of [0, NaN, -1]) {
      expect(thrownOption({ apiKey: "k", rateLimits: { default: { limit, window: "1 second" } } })).toBe(
        "rateLimits.default.limit"
      )
    }
  })

  it("malformed durations, also in the policy (which used to fail every call with a defect)", () => {
    expect(thrownOption({ apiKey: "k", attemptTimeout: "garbage" })).toBe("attemptTimeout")
    expect(thrownOption({ apiKey: "k", policy: { deadline: "soon" } })).toBe("policy.deadline")
  })

  it("a baseUrl that is not http(s); an empty API key or one a header cannot carry; a fetch that is no function", () => {
    expect(thrownOption({ apiKey: "k", baseUrl: "ftp://api.trackingmore.com/v2" })).toBe("baseUrl")
    expect(thrownOption({ apiKey: "k", baseUrl: "not a url" })).toBe("baseUrl")
    expect(thrownOption({ apiKey: "" })).toBe("apiKey")
    expect(thrownOption({})).toBe("apiKey")
    expect(thrownOption(undefined)).toBe("options")
    let secretKey = ""
    try {
      secretKey = "key-with\nline-break"
      createClient({ apiKey: secretKey })
    } catch (error) {
      expect(isInvalidOptionError(error) && error.option).toBe("apiKey")
      expect(String(error)).not.toContain("line-break")
    }
    expect(thrownOption({ apiKey: "k", fetch: "globalThis.fetch" })).toBe("fetch")
    expect(thrownOption({ apiKey: "k", batchsize: 10 })).toBe("batchsize")
  })

  it("valid options still make a working client", async () => {
    const sim = await Simulator.startServer({ timeScale: 0.01 })
    const client = createClient({
      apiKey: "sim-key-1",
      baseUrl: sim.baseUrl,
      batchSize: 40,
      attemptTimeout: 2_000,
      maxResponseBytes: 1_000_000,
      rateLimits: { default: { limit: 100, window: "1 second" } }
    })
    try {
      expect(Array.isArray(await client.carriers())).toBe(true)
    } finally {
      await client.close()
      await sim.close()
    }
  })

  it("credentials in baseUrl are refused with the standard fetch, which could never send them", () => {
    expect(thrownOption({ apiKey: "k", baseUrl: "https://proxy-user:proxy-pass@proxy.example/v2" })).toBe("baseUrl")
    try {
      createClient({ apiKey: "k", baseUrl: "https://proxy-user:proxy-pass@proxy.example/v2" })
    } catch (error) {
      expect(String(error)).not.toContain("proxy-pass")
    }
  })

  it("with a fetch of one's own they are accepted, and inspect and toJSON do not show them", async () => {
    const client = createClient({
      apiKey: "k",
      baseUrl: "https://proxy-user:proxy-pass@proxy.example/v2",
      fetch: globalThis.fetch
    })
    try {
      for (const text of [inspect(client), JSON.stringify(client)]) {
        expect(text).toContain("https://REDACTED:REDACTED@proxy.example/v2")
        expect(text).not.toContain("proxy-pass")
        expect(text).not.toContain("proxy-user")
      }
    } finally {
      await client.close()
    }
  })
})

describe("error classes report their own name", () => {
  it("TrackingMoreApiError, ClientClosedError, InvalidOptionError", () => {
    const api = toPromiseError(CoreError.fromCode(4017))
    expect(api).toBeInstanceOf(TrackingMoreApiError)
    expect(api.name).toBe("TrackingMoreApiError")
    expect(String(api)).toMatch(/^TrackingMoreApiError: /)
    expect(isTrackingMoreError(api) && api.toJSON().name).toBe("TrackingMoreApiError")
    expect(new ClientClosedError("get").name).toBe("ClientClosedError")
    expect(new InvalidOptionError("batchSize", "bad").name).toBe("InvalidOptionError")
    // From the prototype, as built-in errors do: not an own field of every instance.
    expect(Object.keys(api)).not.toContain("name")
    expect(TrackingMoreApiError.name).toBe(api.name)
  })
})
