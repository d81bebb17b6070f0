import { assert, describe, it } from "@effect/vitest"
import * as Endpoint from "../src/Endpoint.js"

describe("Endpoint (core's table, by name)", () => {
  it("the 14 names in the API's order, their rate-limit groups and which of them write", () => {
    assert.deepStrictEqual(Endpoint.endpoints, [
      "create",
      "batch",
      "get",
      "update",
      "delete",
      "list",
      "updateMany",
      "deleteMany",
      "realtime",
      "changeCarrier",
      "userInfo",
      "statusCounts",
      "carriers",
      "detect"
    ])
    assert.deepStrictEqual(
      Endpoint.endpoints.filter((e) => Endpoint.rateGroup(e) !== "default").map((e) => [e, Endpoint.rateGroup(e)]),
      [["list", "list"], ["realtime", "realtime"]]
    )
    assert.deepStrictEqual(Endpoint.endpoints.filter(Endpoint.isWrite), [
      "create",
      "batch",
      "update",
      "delete",
      "updateMany",
      "deleteMany",
      "changeCarrier"
    ])
  })

  it("isEndpoint accepts exactly the names", () => {
    assert.strictEqual(Endpoint.endpoints.every(Endpoint.isEndpoint), true)
    for (const u of ["Create", "toString", "constructor", "", 1, undefined, null]) {
      assert.strictEqual(Endpoint.isEndpoint(u), false, String(u))
    }
  })
})
