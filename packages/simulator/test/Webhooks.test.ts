import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { createHmac } from "node:crypto"
import * as http from "node:http"
import type { AddressInfo } from "node:net"
import { plan } from "../src/internal/lifecycle.js"
import * as Simulator from "../src/Simulator.js"
import * as Webhooks from "../src/Webhooks.js"
import { call, generous, sleep } from "./utils.js"

const EMAIL = "owner@example.com"
const UPS = "1Z999AA10123456784"
const STEP_MS = 1_800_000

interface Push {
  readonly raw: string
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly body: any
}

/** A loopback receiver that records every push and answers what `answer` says (undefined: never answers). */
const receiver = (answer: (push: Push, index: number) => number | undefined = () => 200) =>
  Effect.acquireRelease(
    Effect.promise(async () => {
      const pushes: Array<Push> = []
      const server = http.createServer((req, res) => {
        const chunks: Array<Buffer> = []
        req.on("data", (c: Buffer) => chunks.push(c))
        req.on("end", () => {
          const raw = Buffer.concat(chunks).toString("utf8")
          const push = { raw, body: JSON.parse(raw) }
          pushes.push(push)
          const status = answer(push, pushes.length - 1)
          if (status !== undefined) res.writeHead(status).end()
        })
      })
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`
      return { server, pushes, url }
    }),
    ({ server }) =>
      Effect.promise(() =>
        new Promise<void>((resolve) => {
          server.close(() => resolve())
          server.closeAllConnections()
        })
      )
  )

/** Waits (real time, for I/O only) until `condition` holds; fails the test after 5 s. */
const until = (condition: () => boolean) =>
  Effect.gen(function*() {
    for (let i = 0; i < 500; i++) {
      if (condition()) return
      yield* sleep(10)
    }
    throw new Error("condition not met within 5 s")
  })

/** The v2 signature, computed here with node:crypto, independently of the simulator's code. */
const expectedSignature = (timeStr: string, email: string) => createHmac("sha256", email).update(timeStr).digest("hex")

/** The statuses a tracking's plan goes through, each change once. */
const changes = (number: string, carrier = "ups") => {
  const out: Array<string> = []
  let last = "pending"
  for (const status of plan(1, carrier, number)) {
    if (status !== last) out.push(status)
    last = status
  }
  return out
}

/** A simulator at time scale 1 whose clock the test moves with `advance` (which also runs a scan at once). */
const simulator = (url: string, extra: Partial<Webhooks.Options> = {}) =>
  Simulator.start({ rateLimits: generous, control: true, webhooks: { urls: [url], email: EMAIL, timeoutMs: 200, ...extra } })

describe("webhook pushes", () => {
  it.scoped("one signed push per status change, carrying the tracking as the API shows it", () =>
    Effect.gen(function*() {
      const hook = yield* receiver()
      const sim = yield* simulator(hook.url)
      yield* call(sim, "POST", "/trackings/post", { body: { tracking_number: UPS, carrier_code: "ups" } })
      const expected = changes(UPS)
      for (let i = 0; i < 6; i++) sim.advance(STEP_MS)
      yield* until(() => hook.pushes.length === expected.length)
      expect(hook.pushes.map((p) => p.body.data.status)).toEqual(expected)
      for (const { body } of hook.pushes) {
        expect(body.meta).toEqual({ code: 200, type: "Success", message: "Success" })
        expect(body.data.tracking_number).toBe(UPS)
        expect(body.data.carrier_code).toBe("ups")
        expect(body.verifyInfo.signature).toBe(expectedSignature(body.verifyInfo.timeStr, EMAIL))
        expect(body.verifyInfo.signature).not.toBe(expectedSignature(body.verifyInfo.timeStr, "other@example.com"))
      }
      // The last push is the tracking as GET shows it now (it is final: nothing changes any more).
      const got = yield* call(sim, "GET", `/trackings/ups/${UPS}`)
      expect(hook.pushes.at(-1)!.body.data).toEqual(got.data)
      // Update times grow push after push.
      const times = hook.pushes.map((p) => Date.parse(p.body.data.updated_at))
      expect([...times].sort((a, b) => a - b)).toEqual(times)
      yield* until(() => sim.webhookCounts().delivered === expected.length)
      expect(sim.webhookCounts()).toEqual({ deliveries: expected.length, pending: 0, delivered: expected.length, failed: 0, attempts: expected.length })
      // The control surface shows the deliveries, never the email.
      const res = yield* Effect.promise(() => fetch(`${sim.origin}/_control/webhooks`).then((r) => r.text()))
      expect(res).not.toContain(EMAIL)
      const shown = JSON.parse(res) as { urls: Array<string>; deliveries: Array<Webhooks.Delivery> }
      expect(shown.urls).toEqual([hook.url])
      expect(shown.deliveries.map((d) => [d.status, d.state, d.attempts.length, d.attempts[0]!.status])).toEqual(
        expected.map((s) => [s, "delivered", 1, 200])
      )
    }))

  it.scoped("a manual status (update with status 4) is pushed too", () =>
    Effect.gen(function*() {
      const hook = yield* receiver()
      const sim = yield* simulator(hook.url)
      yield* call(sim, "POST", "/trackings/post", { body: { tracking_number: UPS, carrier_code: "ups" } })
      yield* call(sim, "PUT", `/trackings/ups/${UPS}`, { body: { status: 4 } })
      sim.advance(1)
      yield* until(() => hook.pushes.length === 1)
      expect(hook.pushes[0]!.body.data.status).toBe("delivered")
      sim.advance(6 * STEP_MS)
      yield* sleep(50)
      expect(hook.pushes.length).toBe(1)
    }))

  it.scoped("a failing receiver: 14 re-deliveries, 2^n × 30 s apart on the simulated clock, then failed", () =>
    Effect.gen(function*() {
      const hook = yield* receiver(() => 500)
      const sim = yield* simulator(hook.url)
      yield* call(sim, "POST", "/trackings/post", { body: { tracking_number: UPS, carrier_code: "ups" } })
      sim.setWebhooks({ urls: [hook.url], email: EMAIL, timeoutMs: 200 })
      yield* call(sim, "PUT", `/trackings/ups/${UPS}`, { body: { status: 7 } })
      sim.advance(1)
      const delivery = () => sim.deliveries()[0]!
      for (let retry = 1; retry <= 14; retry++) {
        yield* until(() => delivery().attempts.length === retry)
        const last = delivery().attempts.at(-1)!
        expect(last.status).toBe(500)
        expect(delivery().nextAttemptAt! - last.answeredAt).toBe(30_000 * 2 ** (retry - 1))
        expect(Webhooks.retryDelayMs(retry)).toBe(30_000 * 2 ** (retry - 1))
        // Not a moment before it is due.
        sim.advance(delivery().nextAttemptAt! - sim.now() - 1_000)
        yield* sleep(20)
        expect(delivery().attempts.length).toBe(retry)
        sim.advance(1_000)
      }
      yield* until(() => delivery().state === "failed")
      expect(delivery().attempts.length).toBe(15)
      expect(delivery().nextAttemptAt).toBeUndefined()
      expect(hook.pushes.length).toBe(15)
      sim.advance(10 * 24 * 3600 * 1000)
      yield* sleep(50)
      expect(hook.pushes.length).toBe(15)
    }))

  it.scoped("a receiver that does not answer (timeout) or is not there (connection error) is retried", () =>
    Effect.gen(function*() {
      // first push hangs, the next answers 200
      const hook = yield* receiver((_push, index) => (index === 0 ? undefined : 200))
      const gone = yield* receiver()
      const goneUrl = gone.url
      yield* Effect.promise(() => new Promise<void>((resolve) => gone.server.close(() => resolve())))
      const sim = yield* Simulator.start({
        rateLimits: generous,
        webhooks: { urls: [hook.url, goneUrl], email: EMAIL, timeoutMs: 100 }
      })
      yield* call(sim, "POST", "/trackings/post", { body: { tracking_number: UPS, carrier_code: "ups" } })
      yield* call(sim, "PUT", `/trackings/ups/${UPS}`, { body: { status: 8 } })
      sim.advance(1)
      yield* until(() => sim.deliveries().every((d) => d.attempts.length === 1))
      const [slow, refused] = sim.deliveries()
      expect(slow!.attempts[0]).toMatchObject({ status: 0, error: "timeout" })
      expect(slow!.attempts[0]!.ms).toBeGreaterThanOrEqual(90)
      expect(refused!.attempts[0]).toMatchObject({ status: 0, error: "connection" })
      expect(sim.deliveries().map((d) => d.state)).toEqual(["pending", "pending"])
      sim.advance(30_000)
      yield* until(() => sim.deliveries().every((d) => d.attempts.length === 2))
      expect(sim.deliveries().map((d) => d.state)).toEqual(["delivered", "pending"])
      expect(hook.pushes.map((p) => p.body.data.status)).toEqual(["expired", "expired"])
    }))

  it.scoped("duplicate: an accepted push is sent again, byte for byte", () =>
    Effect.gen(function*() {
      const hook = yield* receiver()
      const sim = yield* simulator(hook.url, { faults: { duplicate: 1 } })
      yield* call(sim, "POST", "/trackings/post", { body: { tracking_number: UPS, carrier_code: "ups" } })
      const expected = changes(UPS)
      sim.advance(6 * STEP_MS)
      yield* until(() => hook.pushes.length === 2 * expected.length)
      const raws = hook.pushes.map((p) => p.raw)
      expect(new Set(raws).size).toBe(expected.length)
      for (const raw of new Set(raws)) expect(raws.filter((r) => r === raw).length).toBe(2)
      const repeats = sim.deliveries().filter((d) => d.duplicateOf !== undefined)
      expect(repeats.length).toBe(expected.length)
      for (const d of sim.deliveries().filter((d) => d.duplicateOf === undefined)) expect(d.faults).toEqual(["duplicate"])
    }))

  it.scoped("out of order: an update held back arrives after a newer one; final updates are never held", () =>
    Effect.gen(function*() {
      const hook = yield* receiver()
      const sim = yield* simulator(hook.url, { faults: { outOfOrder: 1 } })
      yield* call(sim, "POST", "/trackings/post", { body: { tracking_number: UPS, carrier_code: "ups" } })
      const expected = changes(UPS)
      sim.advance(STEP_MS)
      yield* sleep(50)
      // the first change is held back: nothing yet
      expect(hook.pushes.length).toBe(0)
      expect(sim.deliveries()[0]).toMatchObject({ state: "pending", nextAttemptAt: undefined, faults: ["outOfOrder"] })
      for (let i = 0; i < 5; i++) sim.advance(STEP_MS)
      yield* until(() => hook.pushes.length === expected.length)
      const received = hook.pushes.map((p) => p.body.data.status)
      // the final status first, then the held ones, oldest first
      expect(received).toEqual([expected.at(-1), ...expected.slice(0, -1)])
      const times = hook.pushes.map((p) => Date.parse(p.body.data.updated_at))
      expect(times[0]).toBeGreaterThan(times[1]!)
    }))

  it.scoped("bad signature: the first attempt is signed with another key; the re-delivery verifies", () =>
    Effect.gen(function*() {
      const verifies = (push: Push) =>
        push.body.verifyInfo.signature === expectedSignature(push.body.verifyInfo.timeStr, EMAIL) ? 200 : 401
      const hook = yield* receiver(verifies)
      const sim = yield* simulator(hook.url, { faults: { badSignature: 1 } })
      yield* call(sim, "POST", "/trackings/post", { body: { tracking_number: UPS, carrier_code: "ups" } })
      yield* call(sim, "PUT", `/trackings/ups/${UPS}`, { body: { status: 4 } })
      sim.advance(1)
      yield* until(() => hook.pushes.length === 1)
      yield* until(() => sim.deliveries()[0]!.attempts.length === 1)
      expect(sim.deliveries()[0]!.attempts[0]).toMatchObject({ status: 401, badSignature: true })
      sim.advance(30_000)
      yield* until(() => sim.deliveries()[0]!.state === "delivered")
      expect(hook.pushes.map(verifies)).toEqual([401, 200])
    }))

  it("close stops pushing: no scan, no re-delivery afterwards", async () => {
    let hits = 0
    const server = http.createServer((req, res) => {
      hits++
      req.resume()
      res.writeHead(500).end()
    })
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`
    // 1 simulated second = 0.1 ms: a step every 0.18 s real, the first retry after 3 ms real
    const sim = await Simulator.startServer({ timeScale: 0.0001, rateLimits: generous, webhooks: { urls: [url], email: EMAIL } })
    const created = await fetch(`${sim.baseUrl}/trackings/post`, {
      method: "POST",
      headers: { "Trackingmore-Api-Key": "sim-key-1", "content-type": "application/json" },
      body: JSON.stringify({ tracking_number: UPS, carrier_code: "ups" })
    })
    expect(created.status).toBe(200)
    for (let i = 0; i < 200 && hits < 3; i++) await new Promise((r) => setTimeout(r, 10))
    expect(hits).toBeGreaterThanOrEqual(3)
    await sim.close()
    const atClose = hits
    await new Promise((r) => setTimeout(r, 300))
    expect(hits).toBe(atClose)
    await new Promise<void>((resolve) => server.close(() => resolve()))
  })

  it.scoped("only loopback http URLs, at most 4; configurable over /_control/webhooks; reset clears deliveries", () =>
    Effect.gen(function*() {
      const hook = yield* receiver()
      const sim = yield* Simulator.start({ rateLimits: generous, control: true })
      expect(() => sim.setWebhooks({ urls: ["http://example.com/hook"], email: EMAIL })).toThrow(/loopback/)
      expect(() => sim.setWebhooks({ urls: ["https://127.0.0.1/hook"], email: EMAIL })).toThrow(/http:/)
      expect(() => sim.setWebhooks({ urls: Array.from({ length: 5 }, () => hook.url), email: EMAIL })).toThrow(/at most 4/)
      const post = (body: unknown) =>
        Effect.promise(() =>
          fetch(`${sim.origin}/_control/webhooks`, { method: "POST", body: JSON.stringify(body) }).then((r) => r.status)
        )
      expect(yield* post({ urls: ["http://10.0.0.1/"], email: EMAIL })).toBe(400)
      expect(yield* post({ urls: [hook.url], email: EMAIL })).toBe(200)
      yield* call(sim, "POST", "/trackings/post", { body: { tracking_number: UPS, carrier_code: "ups" } })
      sim.advance(6 * STEP_MS)
      yield* until(() => sim.webhookCounts().delivered === changes(UPS).length)
      sim.reset()
      expect(sim.deliveries()).toEqual([])
      // reset goes back to the options given at start: no webhooks
      yield* call(sim, "POST", "/trackings/post", { body: { tracking_number: UPS, carrier_code: "ups" } })
      sim.advance(6 * STEP_MS)
      yield* sleep(50)
      expect(sim.deliveries()).toEqual([])
    }))

  it.scoped("logLimit also caps the deliveries kept (the oldest settled ones go first); { urls: [] } stops pushing", () =>
    Effect.gen(function*() {
      const hook = yield* receiver()
      const sim = yield* Simulator.start({
        rateLimits: generous,
        control: true,
        logLimit: 4,
        webhooks: { urls: [hook.url], email: EMAIL, faults: { duplicate: 1 } }
      })
      yield* call(sim, "POST", "/trackings/post", { body: { tracking_number: UPS, carrier_code: "ups" } })
      sim.advance(6 * STEP_MS)
      yield* until(() => hook.pushes.length === 2 * changes(UPS).length)
      expect(sim.deliveries().length).toBeLessThanOrEqual(4)
      expect(sim.deliveries().at(-1)!.duplicateOf).toBeDefined()
      const res = yield* Effect.promise(() =>
        fetch(`${sim.origin}/_control/webhooks`, { method: "POST", body: JSON.stringify({ urls: [] }) }).then((r) => r.status)
      )
      expect(res).toBe(200)
      const before = hook.pushes.length
      yield* call(sim, "POST", "/trackings/post", { body: { tracking_number: "1Z999AA10123456785", carrier_code: "ups" } })
      sim.advance(6 * STEP_MS)
      yield* sleep(50)
      expect(hook.pushes.length).toBe(before)
    }))
})
