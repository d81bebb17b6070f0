/**
 * Polling 2000 trackings to final on the simulator with the real list limit (1 request per second, a 120-second
 * penalty after a 429), time-scaled, seed 1, 3% of requests answered 503 and 1% reset, lifecycle steps of the
 * default 1800 simulated seconds:
 *
 * - `pollUntilFinal` as it is (what changed since the last round, 2000 a page; back-off up to `maxInterval`),
 * - the same without back-off (`maxInterval` = `interval`),
 * - the algorithm it replaced (every pending number, 40 a call, every `interval`), copied below as BASELINE and
 *   run through the same client's `list`,
 *
 * all with the default `interval` of 5 minutes. Printed: list requests (retries included), status changes
 * observed, list requests per status change, completion time, and how late changes were seen (simulated time
 * between a tracking's `updated_at` and the answer that showed it).
 *
 * Run with `pnpm bench` (builds the packages first; the client is imported from its build).
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import type * as TrackingMoreError from "@trackingmore-effect/core/TrackingMoreError"
import { Simulator } from "@trackingmore-effect/simulator"
import * as Arr from "effect/Array"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import { spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import type * as Responses from "../src/Responses.js"
import type * as TrackingModule from "../src/Tracking.js"
import type * as TrackingMoreClientModule from "../src/TrackingMoreClient.js"

// The client as users run it: its built JavaScript, typed by its sources.
const TrackingMoreClient: typeof TrackingMoreClientModule = await import(
  new URL("../dist/TrackingMoreClient.js", import.meta.url).href
)
const Tracking: typeof TrackingModule = await import(new URL("../dist/Tracking.js", import.meta.url).href)
type Client = TrackingMoreClientModule.Service
type Shipment = TrackingMoreClientModule.Shipment

const apiKey = "sim-key-1"
const n = 2000
/** Real seconds per simulated second: the 3 simulated hours to final take about 35 real seconds a run. */
const timeScale = 0.003
const fmt = (x: number, digits = 3) => x.toFixed(digits)

// ---------------------------------------------------------------------------------------------------------------
// BASELINE: the previous `pollUntilFinal` (before update_time_min), kept only here to measure against. Every round
// lists every pending number, 40 per call, then waits `interval`.

const baselinePoll = (
  list: (numbers: ReadonlyArray<string>) => Effect.Effect<Responses.TrackingPage, TrackingMoreError.TrackingMoreError>,
  shipments: ReadonlyArray<Shipment>,
  options: { readonly interval: Duration.Duration; readonly deadline: Duration.Duration | undefined }
): Stream.Stream<TrackingModule.Tracking, TrackingMoreError.TrackingMoreError> =>
  Stream.unwrap(Effect.gen(function*() {
    const start = yield* Clock.currentTimeMillis
    const deadline = options.deadline === undefined ? Infinity : start + Duration.toMillis(options.deadline)
    const trackingKey = (t: TrackingModule.Tracking) => `${t.carrierCode.toLowerCase()}|${t.trackingNumber}`
    const emitted = new Map<string, string | undefined>()
    const pending = new Map<string, Array<Shipment>>()
    for (const shipment of shipments) {
      const list = pending.get(shipment.trackingNumber)
      if (list === undefined) pending.set(shipment.trackingNumber, [shipment])
      else list.push(shipment)
    }
    const matches = (shipment: Shipment, tracking: TrackingModule.Tracking) =>
      shipment.carrierCode === undefined || shipment.carrierCode.toLowerCase() === tracking.carrierCode.toLowerCase()
    const fetchChunk = (numbers: ReadonlyArray<string>) =>
      Effect.map(list(numbers), (page) => {
        const out: Array<TrackingModule.Tracking> = []
        for (const tracking of page.items) {
          const waiting = pending.get(tracking.trackingNumber)
          if (waiting === undefined || !waiting.some((shipment) => matches(shipment, tracking))) continue
          const key = trackingKey(tracking)
          if (!emitted.has(key) || emitted.get(key) !== tracking.status) {
            emitted.set(key, tracking.status)
            out.push(tracking)
          }
        }
        for (const number of numbers) {
          const waiting = pending.get(number)
          if (waiting === undefined) continue
          const left = waiting.filter((shipment) => {
            const seen = page.items.filter((t) => t.trackingNumber === number && matches(shipment, t))
            return seen.length === 0 || !seen.every((t) => Tracking.isFinalStatus(t.status))
          })
          if (left.length === 0) pending.delete(number)
          else pending.set(number, left)
        }
        return out
      })
    const round: Stream.Stream<TrackingModule.Tracking, TrackingMoreError.TrackingMoreError> = Stream.suspend(() =>
      Stream.fromIterable(Arr.chunksOf([...pending.keys()], 40)).pipe(Stream.mapEffect(fetchChunk), Stream.flattenIterables)
    )
    const loop: Stream.Stream<TrackingModule.Tracking, TrackingMoreError.TrackingMoreError> = Stream.concat(
      round,
      Stream.unwrap(Effect.gen(function*() {
        if (pending.size === 0) return Stream.empty
        const now = yield* Clock.currentTimeMillis
        if (now + Duration.toMillis(options.interval) > deadline) return Stream.empty
        yield* Effect.sleep(options.interval)
        return Stream.suspend(() => loop)
      }))
    )
    return loop
  }))

// ---------------------------------------------------------------------------------------------------------------

interface External {
  readonly baseUrl: string
  readonly counters: () => Promise<Simulator.Counters>
  readonly now: () => Promise<number>
  readonly reset: () => Promise<void>
  readonly close: () => Promise<void>
}

/** The simulator in its own process (its bin), so that its work does not share the client's event loop. */
const spawnSimulator = (args: ReadonlyArray<string>): Promise<External> =>
  new Promise((resolve, reject) => {
    const bin = fileURLToPath(new URL("./bin.js", import.meta.resolve("@trackingmore-effect/simulator")))
    const child = spawn(process.execPath, [bin, "--control", ...args], { stdio: ["ignore", "pipe", "inherit"] })
    let out = ""
    child.once("error", reject)
    child.stdout.setEncoding("utf8")
    child.stdout.on("data", (chunk: string) => {
      out += chunk
      const match = /listening on (\S+)/.exec(out)
      if (match === null) return
      child.stdout.removeAllListeners("data")
      const baseUrl = match[1]!
      const origin = new URL(baseUrl).origin
      resolve({
        baseUrl,
        counters: async () => (await (await fetch(`${origin}/_control/counters`)).json()) as Simulator.Counters,
        now: async () => ((await (await fetch(`${origin}/_control/state`)).json()) as { now: number }).now,
        reset: async () => {
          await fetch(`${origin}/_control/reset`, { method: "POST", body: "{}" })
        },
        close: () =>
          new Promise<void>((done) => {
            child.once("exit", () => done())
            child.kill("SIGTERM")
          })
      })
    })
  })

const sum = (counts: Readonly<Record<string, number>> | undefined) =>
  Object.values(counts ?? {}).reduce((a, b) => a + b, 0)

const percentile = (xs: ReadonlyArray<number>, p: number) => {
  const sorted = [...xs].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN
}

type Algorithm = "current" | "steady" | "baseline"

const measure = async (sim: External, algorithm: Algorithm) => {
  await sim.reset()
  const options: TrackingMoreClientModule.ClientOptions = {
    apiKey: Redacted.make(apiKey),
    baseUrl: sim.baseUrl,
    ...Simulator.clientOptions(timeScale)
  }
  const layer = TrackingMoreClient.layer(options).pipe(Layer.provide(NodeHttpClient.layerUndici), Layer.orDie)
  const use = <A, E>(f: (client: Client) => Effect.Effect<A, E>) =>
    Effect.runPromise(Effect.provide(Effect.flatMap(TrackingMoreClient.TrackingMoreClient, f), layer))

  const items = Array.from({ length: n }, (_, i) => ({ trackingNumber: `POLL${String(i).padStart(7, "0")}`, carrierCode: "dhl" }))
  const shipments: ReadonlyArray<Shipment> = items.map(({ trackingNumber }) => ({ trackingNumber }))
  await use((client) => client.createMany(items))
  const before = await sim.counters()
  // The simulated time of an instant of this machine, from one reading of the simulator's clock.
  const simAt0 = await sim.now()
  const wall0 = Date.now()
  const simNow = () => simAt0 + (Date.now() - wall0) / timeScale

  // 5 simulated minutes, the default: the client's waits are real time
  const interval = Duration.millis(5 * 60_000 * timeScale)
  const started = performance.now()
  const simStarted = simNow()
  const last = new Map<string, string | undefined>()
  let changes = 0
  const delays: Array<number> = []
  await use((client) => {
    const stream = algorithm === "current"
      ? client.pollUntilFinal(shipments, { interval })
      : algorithm === "steady"
      ? client.pollUntilFinal(shipments, { interval, maxInterval: interval })
      : baselinePoll((numbers) => client.list({ numbers, limit: 200 }), shipments, { interval, deadline: undefined })
    return Stream.runForEach(stream, (tracking) =>
      Effect.sync(() => {
        const previous = last.get(tracking.trackingNumber)
        last.set(tracking.trackingNumber, tracking.status)
        if (previous === undefined) return
        changes++
        const updated = Date.parse(tracking.updatedAt ?? "")
        if (!Number.isNaN(updated)) delays.push((simNow() - updated) / 1000)
      }))
  })
  const seconds = (performance.now() - started) / 1000
  const simSeconds = simNow() - simStarted
  const after = await sim.counters()
  const listRequests = sum(after.byEndpoint.list) - sum(before.byEndpoint.list)
  const listOk = (after.byEndpoint.list?.["200"] ?? 0) - (before.byEndpoint.list?.["200"] ?? 0)
  const final = [...last.values()].filter((status) => Tracking.isFinalStatus(status)).length
  const label = algorithm === "current"
    ? "pollUntilFinal (update_time_min, 2000 a page), default back-off to maxInterval = 20 min"
    : algorithm === "steady"
    ? "pollUntilFinal without back-off (maxInterval = interval)"
    : "BASELINE: the previous pollUntilFinal (every pending number, 40 a call)"
  console.log(`## ${label}, interval 5 min (simulated)`)
  console.log(`trackings final          : ${final} / ${n} (emitted ${last.size})`)
  console.log(`list requests            : ${listRequests} (answered 200: ${listOk}; 429s: ${(after.byCode["429"] ?? 0) - (before.byCode["429"] ?? 0)})`)
  console.log(`status changes observed  : ${changes} (after the first sighting of each tracking)`)
  console.log(`list requests per change : ${fmt(listRequests / changes, 4)}`)
  console.log(`completion time          : ${fmt(seconds, 1)} s real, ${fmt(simSeconds / 1000 / 60, 1)} simulated minutes`)
  console.log(
    `change seen after        : mean ${fmt(delays.reduce((a, b) => a + b, 0) / delays.length / 60, 1)} min, p95 ${
      fmt(percentile(delays, 0.95) / 60, 1)
    } min, max ${fmt(Math.max(...delays) / 60, 1)} min (simulated, updated_at to the answer)`
  )
  return { listRequests, changes }
}

console.log(
  `# Polling ${n} trackings to final: 1 list request/s, penalty 120 s, seed 1, 3% 503, 1% reset, step 1800 s, time scale ${timeScale}`
)
const sim = await spawnSimulator([
  "--time-scale",
  String(timeScale),
  "--seed",
  "1",
  "--faults",
  "503:0.03,reset:0.01"
])
try {
  const current = await measure(sim, "current")
  console.log("")
  const steady = await measure(sim, "steady")
  console.log("")
  const baseline = await measure(sim, "baseline")
  console.log("")
  for (const [name, run] of [["current", current], ["without back-off", steady]] as const) {
    console.log(
      `list requests, ${name} / baseline: ${run.listRequests} / ${baseline.listRequests} = ${
        fmt(run.listRequests / baseline.listRequests)
      }`
    )
  }
} finally {
  await sim.close()
}
