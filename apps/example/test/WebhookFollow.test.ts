/**
 * `--follow webhook`: the 200 sample shipments reach a final status from the simulator's pushes alone, received
 * by the client's `Webhook.httpApp` over real HTTP, with no list call.
 */
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import { describe, expect, it } from "@effect/vitest"
import * as TrackingMoreClient from "@trackingmore-effect/client/TrackingMoreClient"
import { Simulator } from "@trackingmore-effect/simulator"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { spawn } from "node:child_process"
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import * as Backend from "../src/Backend.js"
import * as Csv from "../src/Csv.js"
import * as Import from "../src/Import.js"
import * as Report from "../src/Report.js"
import * as WebhookReceiver from "../src/WebhookReceiver.js"

const sample = readFileSync(new URL("../data/shipments.csv", import.meta.url), "utf8")
const scale = Backend.embeddedTimeScale
const ms = (simulatedSeconds: number) => `${simulatedSeconds * scale * 1000} millis` as const

describe("track import --follow webhook", () => {
  it.live("200 shipments reach final from webhook deliveries alone: zero list calls", () =>
    Effect.scoped(Effect.gen(function*() {
      const sim = yield* Simulator.start(Backend.embeddedSimulatorOptions())
      const receiver = yield* WebhookReceiver.start(WebhookReceiver.embeddedEmail)
      sim.setWebhooks({
        urls: [receiver.url],
        email: Redacted.value(WebhookReceiver.embeddedEmail),
        faults: Backend.embeddedWebhookFaults
      })
      const client = TrackingMoreClient.layer(Backend.scaledClientOptions(sim.baseUrl)).pipe(
        Layer.provide(FetchHttpClient.layer)
      )
      const summary = yield* Import.runImport({
        sheet: Either.getOrThrow(Csv.readShipments(sample)),
        pollInterval: ms(60),
        pollDeadline: ms(4 * 3600),
        follow: { _tag: "Webhook", updates: receiver.updates }
      }).pipe(Effect.provide(client))
      sim.setWebhooks(undefined)
      // Lets the attempts in flight at the end finish on both sides before their counts are compared.
      yield* Effect.sleep("200 millis")

      expect(summary.total).toBe(200)
      expect(summary.final).toBe(200)
      expect(summary.failed).toBe(0)
      // No list call (nor any get) reached the simulator: creation only, 5 batches of 40 plus retried faults.
      expect(sim.log().filter((entry) => entry.endpoint === "list" || entry.endpoint === "get")).toEqual([])
      expect(sim.counters().byEndpoint.list).toBeUndefined()
      expect(Object.keys(sim.counters().byEndpoint)).toEqual(["batch"])
      expect(Report.listCalls(sim.counters())).toBe(0)

      const stats = receiver.stats()
      // Every shipment changed status at least once, and each was accepted at least once.
      expect(stats.accepted).toBeGreaterThanOrEqual(200)
      // The faults were met and ignored or refused, not taken as updates.
      expect(stats.repeats).toBeGreaterThan(0)
      expect(stats.outOfOrder).toBeGreaterThan(0)
      expect(stats.refused).toBeGreaterThan(0)
      expect(stats.deliveries).toBeGreaterThanOrEqual(stats.accepted + stats.repeats + stats.outOfOrder + stats.refused)
      // The simulator's side: every refused (bad-signature) attempt shows as a 401 in its deliveries.
      const refusedAttempts = sim.deliveries().flatMap((d) => d.attempts).filter((a) => a.status === 401)
      expect(refusedAttempts.length).toBe(stats.refused)
      expect(refusedAttempts.every((a) => a.badSignature === true)).toBe(true)

      const lines = Report.webhookLines(stats, sim.counters(), sim.webhookCounts())
      expect(lines.at(-1)).toBe("List calls for polling: 0.")
      expect(lines[0]).toContain(`${stats.repeats} repeats ignored, ${stats.outOfOrder} out-of-order ignored`)
    })), 60_000)

  it.live("the command prints deliveries, what was ignored and the list calls; it refuses the real API", () =>
    Effect.gen(function*() {
      const appDir = fileURLToPath(new URL("..", import.meta.url))
      const run = (env: NodeJS.ProcessEnv) =>
        Effect.async<{ code: number | null; stdout: string; stderr: string }>((resume) => {
          const child = spawn(
            process.execPath,
            ["--import", "tsx", "src/main.ts", "import", "data/shipments.csv", "--follow", "webhook"],
            { cwd: appDir, env }
          )
          let stdout = ""
          let stderr = ""
          child.stdout.setEncoding("utf8").on("data", (c: string) => (stdout += c))
          child.stderr.setEncoding("utf8").on("data", (c: string) => (stderr += c))
          child.on("close", (code) => resume(Effect.succeed({ code, stdout, stderr })))
          return Effect.sync(() => child.kill())
        })
      const env = Object.fromEntries(
        Object.entries(process.env).filter(([name]) =>
          !["TRACKINGMORE_API_KEY", "TRACKINGMORE_BASE_URL", "REDIS_URL"].includes(name)
        )
      )
      const embedded = yield* run(env)
      expect(embedded.stderr).toBe("")
      expect(embedded.code).toBe(0)
      expect(embedded.stdout).toContain("Following by webhook: receiver at http://127.0.0.1:")
      expect(embedded.stdout).toContain("progress: created 200/200  awaiting push 0  final 200  failed 0")
      expect(embedded.stdout).not.toMatch(/^progress: .*polling/m)
      expect(embedded.stdout).toContain("200 created, 0 already there, 200 final, 0 failed.")
      expect(embedded.stdout).toMatch(
        /^Webhook: \d+ deliveries received: \d+ accepted, \d+ repeats ignored, \d+ out-of-order ignored, \d+ refused/m
      )
      expect(embedded.stdout).toContain("List calls for polling: 0.")

      const api = yield* run({ ...env, TRACKINGMORE_API_KEY: "not-used" })
      expect(api.code).toBe(2)
      expect(api.stderr).toContain("--follow webhook runs on the embedded simulator only")
    }), 60_000)
})
