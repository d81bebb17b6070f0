import { describe, expect, it } from "@effect/vitest"
import * as StatusCode from "@trackingmore-effect/core/StatusCode"
import * as Effect from "effect/Effect"
import * as Simulator from "../src/Simulator.js"
import { call, generous } from "./utils.js"

const UPS = "1Z999AA10123456784"
const create = (number: string, carrier = "ups", extra: Record<string, unknown> = {}) => ({
  tracking_number: number,
  carrier_code: carrier,
  ...extra
})

describe("Simulator endpoints", () => {
  it.scoped("create → 201, get → 200, duplicate → 4016, envelope from the catalogue", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator.start({ rateLimits: generous })
      const created = yield* call(sim, "POST", "/trackings/post", { body: create(UPS, "ups", { title: "t", order_id: "o-1" }) })
      expect(created.status).toBe(200)
      expect(created.code).toBe(201)
      expect(created.type).toBe(StatusCode.lookup(201)!.type)
      expect(created.data.status).toBe("pending")
      expect(created.data.title).toBe("t")
      for (const field of ["id", "tracking_number", "carrier_code", "status", "substatus", "created_at", "updated_at", "title", "order_id", "customer_name", "customer_email", "archived", "original_country", "destination_country", "lastEvent", "lastUpdateTime", "origin_info", "destination_info"]) {
        expect(created.data).toHaveProperty(field)
      }
      const got = yield* call(sim, "GET", `/trackings/ups/${UPS}`)
      expect(got.code).toBe(200)
      expect(got.message).toBe(StatusCode.lookup(200)!.meaning)
      expect(got.data.tracking_number).toBe(UPS)
      const withLang = yield* call(sim, "GET", `/trackings/ups/${UPS}/en`)
      expect(withLang.code).toBe(200)
      const dup = yield* call(sim, "POST", "/trackings/post", { body: create(UPS) })
      expect(dup.code).toBe(4016)
      expect(dup.type).toBe("Bad Request")
    }))

  it.scoped("validation codes: 4012, 4013, 4014, 4015, 4017, 4031, 4033, 4032", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator.start({ rateLimits: generous })
      expect((yield* call(sim, "POST", "/trackings/post", { raw: "{not json" })).code).toBe(4012)
      expect((yield* call(sim, "POST", "/trackings/post", { body: { carrier_code: "ups" } })).code).toBe(4013)
      expect((yield* call(sim, "POST", "/trackings/post", { body: create("ab!") })).code).toBe(4014)
      expect((yield* call(sim, "POST", "/trackings/post", { body: create(UPS, "nope") })).code).toBe(4015)
      // A malformed escape in the path is a bad number, answered like one, not a crash.
      expect((yield* call(sim, "GET", "/trackings/ups/AB%ZZ12345")).code).toBe(4014)
      expect((yield* call(sim, "GET", `/trackings/ups/${UPS}`)).code).toBe(4031)
      expect((yield* call(sim, "PUT", `/trackings/ups/${UPS}`, { body: { title: "x" } })).code).toBe(4017)
      expect((yield* call(sim, "DELETE", `/trackings/ups/${UPS}`)).code).toBe(4017)
      yield* call(sim, "POST", "/trackings/post", { body: create(UPS) })
      expect((yield* call(sim, "PUT", `/trackings/ups/${UPS}`, { body: { status: 5 } })).code).toBe(4033)
      const modified = yield* call(sim, "PUT", `/trackings/ups/${UPS}`, { body: { status: 4, title: "new" } })
      expect(modified.code).toBe(200)
      expect(modified.data.status).toBe("delivered")
      expect(modified.data.title).toBe("new")
      expect((yield* call(sim, "POST", "/carriers/detect", { body: { tracking_number: "ABCDEFGH" } })).code).toBe(4032)
      expect((yield* call(sim, "POST", "/carriers/detect", { body: {} })).code).toBe(4013)
      const detected = yield* call(sim, "POST", "/carriers/detect", { body: { tracking_number: UPS } })
      expect(detected.data).toEqual([{ name: "UPS", code: "ups" }])
      expect((yield* call(sim, "DELETE", `/trackings/ups/${UPS}`)).data).toEqual([])
      expect((yield* call(sim, "GET", `/trackings/ups/${UPS}`)).code).toBe(4031)
    }))

  it.scoped("auth and account codes: 4001, 4002, 4019, 4021, 401", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator.start({ rateLimits: generous })
      expect((yield* call(sim, "GET", "/carriers", { key: null })).code).toBe(4001)
      expect((yield* call(sim, "GET", "/carriers", { key: "who" })).code).toBe(4001)
      expect((yield* call(sim, "GET", "/carriers", { key: "sim-key-deleted" })).code).toBe(4002)
      expect((yield* call(sim, "GET", "/carriers", { key: "sim-key-exhausted" })).code).toBe(4021)
      expect((yield* call(sim, "POST", "/trackings/post", { key: "sim-key-no-balance", body: create(UPS) })).code)
        .toBe(4019)
      expect((yield* call(sim, "POST", "/trackings/post", { key: "sim-key-readonly", body: create(UPS) })).code)
        .toBe(401)
      expect((yield* call(sim, "GET", "/carriers", { key: "sim-key-readonly" })).code).toBe(200)
      // a balance of 1: one create, then 4019
      sim.setKey({ key: "one", balance: 1 })
      expect((yield* call(sim, "POST", "/trackings/post", { key: "one", body: create(UPS) })).code).toBe(201)
      expect((yield* call(sim, "POST", "/trackings/post", { key: "one", body: create("1Z999AA10123456785") })).code)
        .toBe(4019)
      // stores are per key
      expect((yield* call(sim, "GET", `/trackings/ups/${UPS}`, { key: "sim-key-2" })).code).toBe(4031)
    }))

  it.scoped("batch: 200 with item errors, 4020 over 40", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator.start({ rateLimits: generous })
      yield* call(sim, "POST", "/trackings/post", { body: create(UPS) })
      const batch = yield* call(sim, "POST", "/trackings/batch", {
        body: [create(UPS), create("RR123456789CN", "china-post"), create("bad!"), create("12345678901", "dhl")]
      })
      expect(batch.code).toBe(200)
      expect(batch.data.submitted).toBe(4)
      expect(batch.data.added).toBe(2)
      expect(batch.data.trackings).toHaveLength(2)
      expect(batch.data.errors).toEqual([
        expect.objectContaining({ tracking_number: UPS, carrier_code: "ups", code: 4016 }),
        expect.objectContaining({ tracking_number: "bad!", code: 4014 })
      ])
      const tooMany = Array.from({ length: 41 }, (_, i) => create(`1234567${String(i).padStart(4, "0")}`, "dhl"))
      expect((yield* call(sim, "POST", "/trackings/batch", { body: tooMany })).code).toBe(4020)
      expect((yield* call(sim, "POST", "/trackings/batch", { body: { nope: 1 } })).code).toBe(4012)
    }))

  it.scoped("list with filters and paging, 202 over limits, status counts", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator.start({ rateLimits: generous })
      const items = Array.from({ length: 25 }, (_, i) =>
        create(`1234567${String(i).padStart(4, "0")}`, "dhl", { order_id: i < 5 ? "A" : "B" }))
      expect((yield* call(sim, "POST", "/trackings/batch", { body: items })).data.added).toBe(25)
      const page1 = yield* call(sim, "GET", "/trackings/get?page=1&limit=10")
      expect(page1.code).toBe(200)
      expect(page1.data).toMatchObject({ page: 1, limit: 10, total: 25 })
      expect(page1.data.items).toHaveLength(10)
      const page3 = yield* call(sim, "GET", "/trackings/get?page=3&limit=10")
      expect(page3.data.items).toHaveLength(5)
      expect((yield* call(sim, "GET", "/trackings/get?orders=A")).data.total).toBe(5)
      expect((yield* call(sim, "GET", "/trackings/get?numbers=12345670000,12345670001")).data.total).toBe(2)
      expect((yield* call(sim, "GET", "/trackings/get?status=pending")).data.total).toBe(25)
      expect((yield* call(sim, "GET", "/trackings/get?status=delivered")).data.total).toBe(0)
      const nowS = Math.floor(sim.now() / 1000)
      expect((yield* call(sim, "GET", `/trackings/get?created_at_min=${nowS + 3600}`)).data.total).toBe(0)
      expect((yield* call(sim, "GET", `/trackings/get?created_at_max=${nowS + 3600}`)).data.total).toBe(25)
      expect((yield* call(sim, "GET", `/trackings/get?update_time_min=${nowS - 3600}`)).data.total).toBe(25)
      expect((yield* call(sim, "GET", "/trackings/get?archived=true")).data.total).toBe(0)
      expect((yield* call(sim, "GET", "/trackings/get?page=x")).code).toBe(4012)
      const many = Array.from({ length: 41 }, (_, i) => `N${i}0000`).join(",")
      expect((yield* call(sim, "GET", `/trackings/get?numbers=${many}`)).code).toBe(202)
      const big = yield* call(sim, "GET", "/trackings/get?limit=5000")
      expect(big.code).toBe(202)
      expect(big.data.limit).toBe(2000)
      const counts = yield* call(sim, "GET", "/trackings/getstatusnumber")
      expect(counts.data).toEqual({
        pending: 25,
        notfound: 0,
        transit: 0,
        pickup: 0,
        delivered: 0,
        undelivered: 0,
        exception: 0,
        expired: 0
      })
    }))

  it.scoped("updateMany, deleteMany, changeCarrier, userInfo, carriers", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator.start({ rateLimits: generous })
      yield* call(sim, "POST", "/trackings/batch", {
        body: [create("12345678901", "dhl"), create("12345678902", "dhl")]
      })
      const updated = yield* call(sim, "POST", "/trackings/updatemore", {
        body: [
          { tracking_number: "12345678901", carrier_code: "dhl", archived: true },
          { tracking_number: "99999999999", carrier_code: "dhl", title: "x" }
        ]
      })
      expect(updated.code).toBe(200)
      expect(updated.data).toMatchObject({ submitted: 2, updated: 1 })
      expect(updated.data.errors[0].code).toBe(4017)
      expect((yield* call(sim, "GET", "/trackings/get?archived=true")).data.total).toBe(1)
      const changed = yield* call(sim, "POST", "/trackings/update", {
        body: { tracking_number: "12345678902", carrier_code: "dhl", update_carrier_code: "gls" }
      })
      expect(changed.code).toBe(200)
      expect(changed.data.carrier_code).toBe("gls")
      expect((yield* call(sim, "GET", "/trackings/gls/12345678902")).code).toBe(200)
      expect((yield* call(sim, "POST", "/trackings/update", {
        body: { tracking_number: "12345678902", carrier_code: "gls", update_carrier_code: "nope" }
      })).code).toBe(4015)
      const deleted = yield* call(sim, "POST", "/trackings/delete", {
        body: [{ tracking_number: "12345678901", carrier_code: "dhl" }, { tracking_number: "12345678901", carrier_code: "dhl" }]
      })
      expect(deleted.data).toMatchObject({ submitted: 2, deleted: 1 })
      expect(deleted.data.errors[0].code).toBe(4017)
      const user = yield* call(sim, "GET", "/trackings/getuserinfo")
      expect(user.code).toBe(200)
      expect(user.data).toHaveProperty("email")
      const carriers = yield* call(sim, "GET", "/carriers")
      expect(carriers.data.map((c: { code: string }) => c.code)).toEqual(
        expect.arrayContaining(["dhl", "ups", "fedex", "usps", "china-post", "china-ems", "royal-mail", "dpd", "gls", "yanwen"])
      )
    }))

  it.scoped("realtime: items, and a repeat within 2 simulated hours returns the cached result", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator.start({ rateLimits: generous })
      const body = { tracking_number: "RR123456789CN", carrier_code: "china-post" }
      const first = yield* call(sim, "POST", "/trackings/realtime", { body })
      expect(first.code).toBe(200)
      expect(first.data.items).toHaveLength(1)
      sim.advance(60 * 60 * 1000)
      const second = yield* call(sim, "POST", "/trackings/realtime", { body })
      expect(second.data).toEqual(first.data)
      expect(second.message).toContain("cached")
      sim.advance(61 * 60 * 1000)
      const third = yield* call(sim, "POST", "/trackings/realtime", { body })
      expect(third.message).not.toContain("cached")
      expect(third.data.items[0].status).not.toBe("pending")
    }))

  it.scoped("404 on unknown paths, 405 on a wrong method", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator.start({ rateLimits: generous, mode: "mirror" })
      const notFound = yield* call(sim, "GET", "/nothing/here")
      expect([notFound.status, notFound.code]).toEqual([404, 404])
      const wrong = yield* call(sim, "GET", "/trackings/post")
      expect([wrong.status, wrong.code]).toEqual([405, 405])
      expect((yield* call(sim, "PATCH", `/trackings/ups/${UPS}`)).code).toBe(405)
      expect(sim.log().every((e) => e.endpoint === undefined)).toBe(true)
    }))

  it.scoped("answer modes: always-200 vs mirror", () =>
    Effect.gen(function*() {
      const a = yield* Simulator.start({ rateLimits: generous })
      const m = yield* Simulator.start({ rateLimits: generous, mode: "mirror" })
      for (const sim of [a, m]) yield* call(sim, "POST", "/trackings/post", { body: create(UPS) })
      const dupA = yield* call(a, "POST", "/trackings/post", { body: create(UPS) })
      const dupM = yield* call(m, "POST", "/trackings/post", { body: create(UPS) })
      expect([dupA.status, dupA.code]).toEqual([200, 4016])
      expect([dupM.status, dupM.code]).toEqual([400, 4016])
      const createdM = yield* call(m, "POST", "/trackings/post", { body: create("1Z999AA10123456785") })
      expect([createdM.status, createdM.code]).toEqual([201, 201])
      m.setMode("always-200")
      expect((yield* call(m, "GET", "/trackings/ups/1Z0000000000000000")).status).toBe(200)
    }))

  it.scoped("lifecycle: deterministic, reaches a final status with events", () =>
    Effect.gen(function*() {
      const a = yield* Simulator.start({ rateLimits: generous, seed: 7 })
      const b = yield* Simulator.start({ rateLimits: generous, seed: 7 })
      const numbers = Array.from({ length: 30 }, (_, i) => `1234567${String(i).padStart(4, "0")}`)
      for (const sim of [a, b]) {
        yield* call(sim, "POST", "/trackings/batch", { body: numbers.map((n) => create(n, "dhl")) })
        sim.advance(7 * 30 * 60 * 1000)
      }
      const listA = yield* call(a, "GET", "/trackings/get?limit=100")
      const listB = yield* call(b, "GET", "/trackings/get?limit=100")
      const finals = ["delivered", "undelivered", "exception", "expired"]
      const statusesA = listA.data.items.map((t: { status: string }) => t.status)
      expect(statusesA).toEqual(listB.data.items.map((t: { status: string }) => t.status))
      for (const s of statusesA) expect(finals).toContain(s)
      expect(new Set(statusesA).has("delivered")).toBe(true)
      const delivered = listA.data.items.find((t: { status: string }) => t.status === "delivered")
      const events = delivered.origin_info.trackinfo
      expect(events.length).toBeGreaterThanOrEqual(3)
      expect(events[0]).toMatchObject({ checkpoint_status: "delivered" })
      expect(Object.keys(events[0]).sort()).toEqual(["Date", "Details", "StatusDescription", "checkpoint_status"])
      const counts = yield* call(a, "GET", "/trackings/getstatusnumber")
      expect(counts.data.pending).toBe(0)
    }))

  it.scoped("lifecycle reaches a final status with the scaled wall clock alone", () =>
    Effect.gen(function*() {
      // 0.00005 real s per simulated s: a 30-minute step lasts 90 ms, at most 6 steps = 540 ms
      const sim = yield* Simulator.start({ rateLimits: generous, timeScale: 0.00005 })
      expect((yield* call(sim, "POST", "/trackings/post", { body: create(UPS) })).data.status).toBe("pending")
      yield* Effect.promise(() => new Promise((r) => setTimeout(r, 800)))
      const got = yield* call(sim, "GET", `/trackings/ups/${UPS}`)
      expect(["delivered", "undelivered", "exception", "expired"]).toContain(got.data.status)
    }))

  it.scoped("layer provides the handle", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator.Simulator
      expect(sim.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v2$/)
      expect(sim.keys).toContain("sim-key-1")
      expect((yield* call(sim, "GET", "/carriers")).code).toBe(200)
    }).pipe(Effect.provide(Simulator.layer())))
})
