/**
 * End to end over real HTTP: the simulator pushes signed updates, `Webhook.httpApp` served by
 * `@effect/platform-node` on loopback receives them. The simulator runs at time scale 1 and the test moves its
 * clock with `advance` (which scans for changes at once), so what is pushed when does not depend on timing.
 */
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import { assert, describe, it } from "@effect/vitest"
import { Simulator } from "@trackingmore-effect/simulator"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as http from "node:http"
import type * as Tracking from "../src/Tracking.js"
import * as Webhook from "../src/Webhook.js"

const EMAIL = "ops@example.com"
const STEP_MS = 1_800_000
const generous = { default: 1_000_000, realtime: 1_000_000, list: 1_000_000 }
const finals = ["delivered", "undelivered", "exception", "expired"]

/** A receiver: `Webhook.httpApp` with a deduplicator, counting answers by HTTP status. */
const receiver = (options: Webhook.Options) =>
  Effect.gen(function*() {
    const handled: Array<Tracking.Tracking> = []
    const verdicts: Array<Webhook.Verdict> = []
    const answers: Record<number, number> = {}
    const dedup = Webhook.makeDeduplicator()
    const app = Effect.tap(
      Webhook.httpApp(options, (tracking) =>
        Effect.tap(dedup.handle(tracking, (t) => Effect.sync(() => handled.push(t))), (v) => Effect.sync(() => verdicts.push(v)))),
      (response) => Effect.sync(() => void (answers[response.status] = (answers[response.status] ?? 0) + 1))
    )
    const server = yield* NodeHttpServer.make(() => http.createServer(), { port: 0, host: "127.0.0.1" })
    yield* server.serve(app)
    const port = server.address._tag === "TcpAddress" ? server.address.port : 0
    return { url: `http://127.0.0.1:${port}/trackingmore`, handled, verdicts, answers }
  })

const until = (condition: () => boolean) =>
  Effect.gen(function*() {
    for (let i = 0; i < 500; i++) {
      if (condition()) return
      yield* Effect.sleep("10 millis")
    }
    assert.fail("condition not met within 5 s")
  })

const create = (sim: Simulator.SimulatorHandle, numbers: ReadonlyArray<string>) =>
  Effect.promise(() =>
    Promise.all(numbers.map((number) =>
      fetch(`${sim.baseUrl}/trackings/post`, {
        method: "POST",
        headers: { "Trackingmore-Api-Key": "sim-key-1", "content-type": "application/json" },
        body: JSON.stringify({ tracking_number: number, carrier_code: "dhl" })
      }).then((r) => r.text())
    ))
  )

const numbers = Array.from({ length: 10 }, (_, i) => `WEBHOOK${String(i).padStart(5, "0")}`)

describe("Webhook over real HTTP, pushed by the simulator", () => {
  it.live("verified pushes reach onUpdate as typed trackings; repeats and out-of-order ones are dropped", () =>
    Effect.scoped(Effect.gen(function*() {
      const hook = yield* receiver({ email: Redacted.make(EMAIL) })
      const sim = yield* Simulator.start({
        rateLimits: generous,
        webhooks: { urls: [hook.url], email: EMAIL, faults: { duplicate: 0.3, outOfOrder: 0.3 } }
      })
      yield* create(sim, numbers)
      for (let i = 0; i < 7; i++) sim.advance(STEP_MS)
      yield* until(() => sim.webhookCounts().pending === 0 && sim.webhookCounts().deliveries > 0)
      // every attempt accepted (200): the signature verified, repeats and stale updates are answered 200 too
      assert.deepStrictEqual(hook.answers, { 200: sim.webhookCounts().attempts })
      assert.isTrue(hook.verdicts.includes("repeat"))
      assert.isTrue(hook.verdicts.includes("stale"))
      // each shipment's last handled update is its final status, as GET shows it
      for (const number of numbers) {
        const mine = hook.handled.filter((t) => t.trackingNumber === number)
        assert.isTrue(mine.length > 0)
        assert.include(finals, mine.at(-1)!.status)
        const got = yield* Effect.promise(() =>
          fetch(`${sim.baseUrl}/trackings/dhl/${number}`, { headers: { "Trackingmore-Api-Key": "sim-key-1" } }).then((r) =>
            r.json() as Promise<{ data: { status: string; updated_at: string } }>
          )
        )
        assert.strictEqual(mine.at(-1)!.status, got.data.status)
        // handled updates of one shipment only move forward in time
        const times = mine.map((t) => Date.parse(t.updatedAt ?? ""))
        assert.deepStrictEqual([...times].sort((a, b) => a - b), times)
      }
    })), 30_000)

  it.live("a receiver with another email answers 401: the simulator re-delivers, and nothing reaches onUpdate", () =>
    Effect.scoped(Effect.gen(function*() {
      const hook = yield* receiver({ email: Redacted.make("someone-else@example.com") })
      const sim = yield* Simulator.start({ rateLimits: generous, webhooks: { urls: [hook.url], email: EMAIL, maxRetries: 2 } })
      yield* create(sim, numbers.slice(0, 1))
      for (let i = 0; i < 7; i++) sim.advance(STEP_MS)
      const first = sim.deliveries().length
      assert.isTrue(first > 0)
      yield* until(() => sim.deliveries().every((d) => d.attempts.length === 1))
      sim.advance(30_000)
      yield* until(() => sim.deliveries().every((d) => d.attempts.length === 2))
      sim.advance(60_000)
      yield* until(() => sim.deliveries().every((d) => d.state === "failed"))
      assert.deepStrictEqual(hook.answers, { 401: 3 * first })
      assert.deepStrictEqual(hook.handled, [])
    })), 30_000)

  it.live("a bad-signature push is refused (401) and its re-delivery accepted", () =>
    Effect.scoped(Effect.gen(function*() {
      const hook = yield* receiver({ email: Redacted.make(EMAIL) })
      const sim = yield* Simulator.start({
        rateLimits: generous,
        webhooks: { urls: [hook.url], email: EMAIL, faults: { badSignature: 1 } }
      })
      yield* create(sim, numbers.slice(0, 1))
      for (let i = 0; i < 7; i++) sim.advance(STEP_MS)
      const pushed = sim.deliveries().length
      yield* until(() => sim.deliveries().every((d) => d.attempts.length === 1))
      assert.deepStrictEqual(hook.answers, { 401: pushed })
      sim.advance(30_000)
      yield* until(() => sim.deliveries().every((d) => d.state === "delivered"))
      assert.deepStrictEqual(hook.answers, { 401: pushed, 200: pushed })
      assert.include(finals, hook.handled.at(-1)!.status)
    })), 30_000)
})
