/**
 * The opt-in telemetry: the console exporter prints the trace of an import as a tree, with the cooldown after a
 * 429 on the batch call that met it; the OTLP exporters send the app's spans and metrics to the endpoint of the
 * usual OTEL_* variables; with no variable set nothing is exported. The API key is in none of it.
 */
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import { describe, expect, it } from "@effect/vitest"
import * as TrackingMoreClient from "@trackingmore-effect/client/TrackingMoreClient"
import { Simulator } from "@trackingmore-effect/simulator"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import { spawn } from "node:child_process"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import * as Http from "node:http"
import type { AddressInfo } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll } from "vitest"
import * as Backend from "../src/Backend.js"
import * as Csv from "../src/Csv.js"
import * as Import from "../src/Import.js"
import * as Telemetry from "../src/Telemetry.js"

const appDir = fileURLToPath(new URL("..", import.meta.url))
const dir = mkdtempSync(join(tmpdir(), "track-telemetry-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const csv = "tracking_number,carrier_code\nRR000000001CN,china-post\n1Z999AA10123456784,ups\n956064241456013,fedex\n"
const scale = Backend.embeddedTimeScale
const ms = (simulatedSeconds: number) => `${simulatedSeconds * scale * 1000} millis` as const

const withEnv = (env: Record<string, string>) =>
  Layer.setConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env))))

/**
 * The import of `track import`, under the same root span, against a simulator whose first batch call answers 429
 * and starts the key's penalty; no random faults, so the trace is the same each time but for its timings.
 */
const importWith429 = (telemetry: Layer.Layer<never>) =>
  Effect.gen(function*() {
    const sim = yield* Simulator.start(
      Backend.embeddedSimulatorOptions({ faults: { scripted: { batch: ["429-penalty"] } } })
    )
    const client = TrackingMoreClient.layer(Backend.scaledClientOptions(sim.baseUrl)).pipe(
      Layer.provide(FetchHttpClient.layer)
    )
    const sheet = Either.getOrThrow(Csv.readShipments(csv))
    return yield* Import.runImport({ sheet, pollInterval: ms(60), pollDeadline: ms(4 * 3600) }).pipe(
      Effect.withSpan("track import", { attributes: { "track.file": "three.csv" } }),
      Effect.provide(client)
    )
  }).pipe(Effect.scoped, Effect.provide(telemetry))

describe("Telemetry", () => {
  it.live("OTEL_TRACES_EXPORTER=console prints the import's trace as a tree, with the 429 cooldown on the batch call", () =>
    Effect.gen(function*() {
      let printed = ""
      const telemetry = Telemetry.layer({ write: (text) => (printed += text) }).pipe(
        Layer.provide(withEnv({ OTEL_TRACES_EXPORTER: "console" }))
      )
      const summary = yield* importWith429(telemetry)
      expect(summary.failed).toBe(0)
      // TELEMETRY_PRINT=1 shows it, e.g. to paste it into a README.
      if (process.env.TELEMETRY_PRINT !== undefined) console.log(printed)
      const lines = printed.trimEnd().split("\n")
      expect(lines[0]).toMatch(/^trace [0-9a-f]{32}$/)
      expect(lines[1]).toMatch(/^└─ track import {2}\+0 ms {2}\d/)
      const batch = lines.findIndex((line) => line.includes("TrackingMore.batch"))
      expect(lines[batch]).toMatch(/method=POST {2}status_code=200 {2}attempts=2 {2}outcome=ok$/)
      // The wait of the batch call: the cooldown after the 429, the 120 s penalty at the embedded time scale.
      expect(lines.slice(batch + 1).find((line) => line.includes("wait cooldown")))
        .toMatch(/· \+\d+ ms wait cooldown \d+ ms after TooManyRequests$/)
      expect(lines.some((line) => /TrackingMore\.list/.test(line))).toBe(true)
      expect(printed).not.toContain("sim-key")
    }), 60_000)

  it.live("with no OTEL_* variable nothing is exported, and an unknown exporter is said and ignored", () =>
    Effect.gen(function*() {
      let printed = ""
      const warnings: Array<string> = []
      const output = { write: (text: string) => (printed += text), warn: (line: string) => warnings.push(line) }
      const summary = yield* importWith429(Telemetry.layer(output).pipe(Layer.provide(withEnv({}))))
      expect(summary.failed).toBe(0)
      expect(printed).toBe("")
      expect(warnings).toEqual([])
      yield* Effect.scoped(Layer.build(Telemetry.layer(output).pipe(
        Layer.provide(withEnv({ OTEL_TRACES_EXPORTER: "jaeger", OTEL_METRIC_EXPORT_INTERVAL: "often" }))
      )))
      expect(warnings).toEqual([
        expect.stringMatching(/^telemetry is off: .*OTEL_METRIC_EXPORT_INTERVAL/)
      ])
      warnings.length = 0
      yield* Effect.scoped(Layer.build(Telemetry.layer(output).pipe(
        Layer.provide(withEnv({ OTEL_TRACES_EXPORTER: "jaeger" }))
      )))
      expect(warnings).toEqual(['OTEL_TRACES_EXPORTER: unknown exporter "jaeger" (console, otlp or none); it is ignored.'])
      expect(printed).toBe("")
    }), 60_000)

  it.live("OTEL_TRACES_EXPORTER=otlp and OTEL_METRICS_EXPORTER=otlp send the app's spans and metrics to the OTLP endpoint", () =>
    Effect.gen(function*() {
      // An OTLP/HTTP collector of our own on loopback: it keeps what it is sent.
      const received: Array<{ readonly path: string; readonly body: string }> = []
      const collector = Http.createServer((request, response) => {
        const chunks: Array<Buffer> = []
        request.on("data", (chunk: Buffer) => chunks.push(chunk))
        request.on("end", () => {
          received.push({ path: request.url ?? "", body: Buffer.concat(chunks).toString("latin1") })
          response.writeHead(200, { "content-type": "application/json" }).end("{}")
        })
      })
      yield* Effect.acquireRelease(
        Effect.async<void>((resume) => void collector.listen(0, "127.0.0.1", () => resume(Effect.void))),
        () => Effect.async<void>((resume) => void collector.close(() => resume(Effect.void)))
      )
      const port = (collector.address() as AddressInfo).port
      const file = join(dir, "three.csv")
      writeFileSync(file, csv)
      const env = {
        ...Object.fromEntries(Object.entries(process.env).filter(([name]) =>
          !name.startsWith("OTEL_") && !["TRACKINGMORE_API_KEY", "TRACKINGMORE_BASE_URL", "REDIS_URL"].includes(name)
        )),
        OTEL_TRACES_EXPORTER: "otlp",
        OTEL_METRICS_EXPORTER: "otlp",
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
        OTEL_SERVICE_NAME: "track-test"
      }
      const code = yield* Effect.async<number | null>((resume) => {
        const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts", "import", file], {
          cwd: appDir,
          env,
          stdio: "ignore"
        })
        child.on("close", (exit) => resume(Effect.succeed(exit)))
        return Effect.sync(() => child.kill())
      })
      expect(code).toBe(0)
      const traces = received.filter((r) => r.path === "/v1/traces").map((r) => r.body).join("")
      const metrics = received.filter((r) => r.path === "/v1/metrics").map((r) => r.body).join("")
      expect(traces).toContain("track import")
      expect(traces).toContain("TrackingMore.createMany")
      expect(traces).toContain("track-test")
      expect(metrics).toContain("trackingmore_attempts_total")
      expect(metrics).toContain("trackingmore_client_requests_total")
      expect(traces + metrics).not.toContain("sim-key")
    }).pipe(Effect.scoped), 60_000)
})
