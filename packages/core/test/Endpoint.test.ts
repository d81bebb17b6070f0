import { assert, describe, it } from "@effect/vitest"
import * as Endpoint from "../src/Endpoint.js"
import * as TrackingStatus from "../src/TrackingStatus.js"

describe("Endpoint", () => {
  it("describes the fourteen v2 endpoints, each under its own name", () => {
    assert.strictEqual(Endpoint.names.length, 14)
    for (const name of Endpoint.names) assert.strictEqual(Endpoint.endpoints[name].name, name)
    assert.isTrue(Endpoint.isName("batch"))
    assert.isFalse(Endpoint.isName("toString"))
  })

  it("keeps the documented facts: methods, groups, idempotency, writes, batch limits", () => {
    const { batch, delete: del, get, list, realtime } = Endpoint.endpoints
    assert.deepStrictEqual([batch.method, batch.path, batch.maxItems], ["POST", "/trackings/batch", 40])
    assert.strictEqual(realtime.group, "realtime")
    assert.strictEqual(list.group, "list")
    assert.isFalse(del.idempotent)
    assert.isTrue(Endpoint.endpoints.create.idempotent)
    assert.isFalse(get.write)
    assert.deepStrictEqual(Endpoint.parameters(get), ["carrier_code", "tracking_number"])
  })

  it("fills paths with encoded segments, lone surrogates included", () => {
    const get = Endpoint.endpoints.get
    assert.strictEqual(Endpoint.path(get, { carrier_code: "ups", tracking_number: "1Z 99/x" }), "/trackings/ups/1Z%2099%2Fx")
    assert.strictEqual(Endpoint.path(get, { carrier_code: "dhl", tracking_number: "A1" }, ["en"]), "/trackings/dhl/A1/en")
    assert.strictEqual(Endpoint.path(get, { carrier_code: "dhl", tracking_number: "\uD800" }), "/trackings/dhl/%EF%BF%BD")
    assert.strictEqual(Endpoint.path(Endpoint.endpoints.carriers), "/carriers")
  })
})

describe("TrackingStatus", () => {
  it("lists the eight documented statuses; four are final", () => {
    assert.strictEqual(TrackingStatus.all.length, 8)
    assert.deepStrictEqual([...TrackingStatus.final].sort(), ["delivered", "exception", "expired", "undelivered"])
    assert.isTrue(TrackingStatus.isFinal("delivered"))
    assert.isFalse(TrackingStatus.isFinal("transit"))
    assert.isFalse(TrackingStatus.isFinal(undefined))
    assert.isTrue(TrackingStatus.isTrackingStatus("pickup"))
    assert.isFalse(TrackingStatus.isTrackingStatus("lost"))
  })
})
