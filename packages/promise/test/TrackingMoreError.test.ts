import * as CoreError from "@trackingmore-effect/core/TrackingMoreError"
import * as Duration from "effect/Duration"
import { describe, expect, expectTypeOf, it } from "vitest"
import { isTrackingMoreError, TrackingMoreApiError } from "../src/index.js"
import type { CoreErrorOf, ErrorOf, TrackingMoreError } from "../src/index.js"
import { toPromiseError } from "../src/internal/runner.js"
import type * as TrackingMoreErrorModule from "../src/TrackingMoreError.js"

describe("TrackingMoreError", () => {
  it("carries tag, code, message, retryAfter in ms, method, endpoint and the Effect error as cause", () => {
    const core = new CoreError.TooManyRequests({
      code: 429,
      message: "API limit exceeded",
      retryAfter: Duration.seconds(150),
      method: "GET",
      endpoint: "/trackings/get"
    })
    const error = toPromiseError(core)
    if (!isTrackingMoreError(error)) throw new Error("expected the brand")
    expect(error.tag).toBe("TooManyRequests")
    expect(error.code).toBe(429)
    expect(error.message).toBe("API limit exceeded")
    expect(error.retryAfter).toBe(150_000)
    expect(error.method).toBe("GET")
    expect(error.endpoint).toBe("/trackings/get")
    expect(error.cause).toBe(core)
  })

  it("narrows on tag (compile-time)", () => {
    const error = toPromiseError(CoreError.fromCode(429)) as TrackingMoreError
    if (error.tag === "TooManyRequests") {
      expectTypeOf(error).toEqualTypeOf<TrackingMoreApiError<"TooManyRequests">>()
      expectTypeOf(error.code).toEqualTypeOf<429>()
      expectTypeOf(error.cause).toEqualTypeOf<CoreErrorOf<"TooManyRequests">>()
      expectTypeOf(error.cause.code).toEqualTypeOf<429>()
      expectTypeOf(error.retryAfter).toEqualTypeOf<number | undefined>()
    } else {
      expectTypeOf(error.tag).not.toEqualTypeOf<"TooManyRequests">()
      throw new Error("expected TooManyRequests")
    }
    const unknown: unknown = error
    if (isTrackingMoreError(unknown, "TooManyRequests")) {
      expectTypeOf(unknown).toEqualTypeOf<ErrorOf<"TooManyRequests">>()
      expectTypeOf(unknown.code).toEqualTypeOf<429>()
    }
    if (isTrackingMoreError(unknown)) {
      expectTypeOf(unknown).toEqualTypeOf<TrackingMoreError>()
      switch (unknown.tag) {
        case "TransportError":
          expectTypeOf(unknown.code).toEqualTypeOf<0>()
          break
        case "TrackingNotFound":
          expectTypeOf(unknown.code).toEqualTypeOf<4017>()
          break
      }
    }
  })

  it("the guard works across duplicate installs (Symbol.for brand), instanceof does not", async () => {
    // A second copy of the module, as a duplicate install would load it.
    const specifier = "../src/TrackingMoreError.js?duplicate"
    const copy = (await import(specifier)) as typeof TrackingMoreErrorModule
    expect(copy.TrackingMoreApiError).not.toBe(TrackingMoreApiError)
    const foreign = new copy.TrackingMoreApiError(CoreError.fromCode(4017))
    expect(foreign instanceof TrackingMoreApiError).toBe(false)
    expect(isTrackingMoreError(foreign)).toBe(true)
    expect(isTrackingMoreError(foreign, "TrackingNotFound")).toBe(true)
    expect(isTrackingMoreError(foreign, "TooManyRequests")).toBe(false)
    expect(copy.isTrackingMoreError(toPromiseError(CoreError.fromCode(4017)))).toBe(true)
  })

  it("the guard rejects look-alikes", () => {
    expect(isTrackingMoreError(new Error("x"))).toBe(false)
    expect(isTrackingMoreError({ tag: "TooManyRequests", code: 429 })).toBe(false)
    expect(isTrackingMoreError(null)).toBe(false)
    expect(isTrackingMoreError(CoreError.fromCode(429))).toBe(false)
  })
})
