import { assert, describe, it } from "@effect/vitest"
import * as Endpoint from "@trackingmore-effect/core/Endpoint"
import * as fc from "effect/FastCheck"
import { handlers } from "../src/internal/handlers.js"
import { route } from "../src/internal/router.js"

const segment = fc.string({ unit: "binary", minLength: 1, maxLength: 30 })
const name = fc.constantFrom(...Endpoint.names)
const methods = ["GET", "POST", "PUT", "DELETE", "PATCH"] as const

describe("routes derived from core's endpoint table", () => {
  it.prop(
    "every endpoint's method and path reach it, with its parameters decoded",
    [name, segment, segment],
    ([endpoint, carrier, number]) => {
      const spec = Endpoint.endpoints[endpoint]
      const params = { carrier_code: carrier, tracking_number: number }
      const expected = Object.fromEntries(Endpoint.parameters(spec).map((p) => [p, params[p as keyof typeof params]]))
      assert.deepStrictEqual(route(spec.method, `/v2${Endpoint.path(spec, params)}`), {
        _tag: "endpoint",
        endpoint,
        params: expected
      })
      // a trailing slash is the same path
      assert.deepStrictEqual(route(spec.method, `/v2${Endpoint.path(spec, params)}/`), {
        _tag: "endpoint",
        endpoint,
        params: expected
      })
    }
  )

  it.prop(
    "a method no endpoint of a known path has answers 405",
    [name, fc.constantFrom(...methods), segment, segment],
    ([endpoint, method, carrier, number]) => {
      const spec = Endpoint.endpoints[endpoint]
      const sharing = Endpoint.names.filter((other) => Endpoint.endpoints[other].path === spec.path)
      fc.pre(!sharing.some((other) => Endpoint.endpoints[other].method === method))
      const path = `/v2${Endpoint.path(spec, { carrier_code: carrier, tracking_number: number })}`
      assert.deepStrictEqual(route(method, path), { _tag: "miss", code: 405 })
    }
  )

  it("get takes an optional trailing language segment; update and delete do not", () => {
    const params = { carrier_code: "ups", tracking_number: "1Z 99" }
    assert.deepStrictEqual(route("GET", `/v2${Endpoint.path(Endpoint.endpoints.get, params, ["en"])}`), {
      _tag: "endpoint",
      endpoint: "get",
      params
    })
    assert.deepStrictEqual(route("PUT", "/v2/trackings/ups/1Z99/en"), { _tag: "miss", code: 405 })
    assert.deepStrictEqual(route("DELETE", "/v2/trackings/ups/1Z99/en"), { _tag: "miss", code: 405 })
    assert.deepStrictEqual(route("GET", "/v2/trackings/ups/1Z99/en/more"), { _tag: "miss", code: 404 })
  })

  it("exact paths come before templates; empty segments and unknown paths are 404", () => {
    // `/trackings/get` is list's own path; one segment more and it fits get's template, with carrier "get"
    assert.deepStrictEqual(route("GET", "/v2/trackings/get"), { _tag: "endpoint", endpoint: "list", params: {} })
    assert.deepStrictEqual(route("POST", "/v2/trackings/get"), { _tag: "miss", code: 405 })
    assert.deepStrictEqual(route("GET", "/v2/trackings/get/x"), {
      _tag: "endpoint",
      endpoint: "get",
      params: { carrier_code: "get", tracking_number: "x" }
    })
    assert.deepStrictEqual(route("GET", "/v2/trackings//1Z99"), { _tag: "miss", code: 404 })
    assert.deepStrictEqual(route("GET", "/v2/trackings/ups/1Z99//"), { _tag: "miss", code: 404 })
    assert.deepStrictEqual(route("GET", "/v2/nothing/here"), { _tag: "miss", code: 404 })
    assert.deepStrictEqual(route("GET", "/trackings/ups/1Z99"), { _tag: "miss", code: 404 })
  })

  it("a malformed escape is kept as it came, for validation to answer", () => {
    assert.deepStrictEqual(route("GET", "/v2/trackings/ups/AB%ZZ12345"), {
      _tag: "endpoint",
      endpoint: "get",
      params: { carrier_code: "ups", tracking_number: "AB%ZZ12345" }
    })
  })

  it("every endpoint of core's table has a handler (the compiler demands it; this says so at run time)", () => {
    assert.deepStrictEqual(Object.keys(handlers).sort(), [...Endpoint.names].sort())
  })
})
