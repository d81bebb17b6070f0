/**
 * Automatic batching against the simulator with the real limits (1 request per second for the default group and
 * for the list group, a 120-second penalty after a 429), time-scaled, seed 1, 3% of requests answered 503:
 *
 * - 400 concurrent `create` calls, then 400 concurrent `get` calls, each call an independent fiber (as every web
 *   request or Promise-facade call is): requests sent (target ≤ ⌈400/40⌉ + ⌈400/40⌉ + 2), completion ÷ the
 *   physical limit (requests needed ÷ rate; target ≤ 1.1), 429s (target 0);
 * - the same with batching off (400 + 400 requests).
 *
 * Run with `pnpm bench` (builds the packages first; the client is imported from its build).
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { Simulator } from "@trackingmore-effect/simulator"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Redacted from "effect/Redacted"
import { spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import type * as TrackingMoreClientModule from "../src/TrackingMoreClient.js"

const TrackingMoreClient: typeof TrackingMoreClientModule = await import(
  new URL("../dist/TrackingMoreClient.js", import.meta.url).href
)
type ClientOptions = TrackingMoreClientModule.ClientOptions

const apiKey = "sim-key-1"
const n = 400
const perCall = 40
/**
 * Real seconds per simulated second. With batching, 20 requests at 1/s: real time, so that the client's own
 * work (starting 400 calls is CPU work, not waiting) is measured against the limit as it would be in production.
 * Without, 800 requests at 1/s: a tenth, 80 real seconds.
 */
const timeScales = { on: 1, off: 0.1 } as const
const fmt = (x: number, digits = 3) => x.toFixed(digits)

interface External {
  readonly baseUrl: string
  readonly counters: () => Promise<Simulator.Counters>
  readonly reset: () => Promise<void>
  readonly log: () => Promise<ReadonlyArray<Simulator.LogEntry>>
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
        reset: async () => {
          await fetch(`${origin}/_control/reset`, { method: "POST", body: "{}" })
        },
        log: async () =>
          ((await (await fetch(`${origin}/_control/log`)).json()) as { entries: Array<Simulator.LogEntry> }).entries,
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

/** Runs one call per shipment, each as its own fiber on the runtime; counts the calls that failed. */
const concurrently = async (
  runtime: ManagedRuntime.ManagedRuntime<TrackingMoreClientModule.TrackingMoreClient, unknown>,
  numbers: ReadonlyArray<string>,
  call: (client: TrackingMoreClientModule.Service, number: string) => Effect.Effect<{ trackingNumber: string }, unknown>
) => {
  const results = await Promise.allSettled(
    numbers.map((number) => runtime.runPromise(Effect.flatMap(TrackingMoreClient.TrackingMoreClient, (c) => call(c, number))))
  )
  return results.filter((r, i) => r.status === "rejected" || r.value.trackingNumber !== numbers[i]).length
}

const run = async (batching: boolean) => {
  const timeScale = batching ? timeScales.on : timeScales.off
  const rate = 1 / timeScale
  const sim = await spawnSimulator(["--time-scale", String(timeScale), "--seed", "1", "--faults", "503:0.03"])
  try {
    await measure(sim, batching, timeScale, rate)
  } finally {
    await sim.close()
  }
}

const measure = async (sim: External, batching: boolean, timeScale: number, rate: number) => {
  const options: ClientOptions = {
    apiKey: Redacted.make(apiKey),
    baseUrl: sim.baseUrl,
    ...Simulator.clientOptions(timeScale),
    ...(batching ? {} : { batching: false })
  }
  const layer = TrackingMoreClient.layer(options).pipe(Layer.provide(NodeHttpClient.layerUndici), Layer.orDie)
  // Warm the code paths and the connection on a client of its own, then start from a clean simulator.
  const warm = ManagedRuntime.make(layer)
  await warm.runPromise(Effect.flatMap(TrackingMoreClient.TrackingMoreClient, (c) => c.carriers))
  await warm.dispose()
  await sim.reset()

  const numbers = Array.from({ length: n }, (_, i) => `BATCH${String(i).padStart(7, "0")}`)
  const runtime = ManagedRuntime.make(layer)
  await runtime.runtime()
  const started = performance.now()
  const failedCreates = await concurrently(runtime, numbers, (c, number) => c.create({ trackingNumber: number, carrierCode: "dhl" }))
  const created = performance.now()
  const failedGets = await concurrently(runtime, numbers, (c, number) => c.get("dhl", number))
  const finished = performance.now()
  await runtime.dispose()

  const counters = await sim.counters()
  // The timeline (real ms after the first call started): when each phase's first request left tells the CPU
  // work of starting 400 calls apart from the pacing.
  const log = await sim.log()
  const offset = performance.timeOrigin + started
  if (process.env.BENCH_DEBUG !== undefined) {
    console.log(log.map((e) => `${Math.round(e.at - offset)}:${e.endpoint}:${e.code}`).join(" "))
  }
  const firstAfter = (from: number) => ((log.find((e) => e.at - offset >= from)?.at ?? offset) - offset - from) / 1000
  const needed = batching ? 2 * Math.ceil(n / perCall) : 2 * n
  const physical = needed / rate
  const seconds = (finished - started) / 1000
  const by = (endpoint: string) => sum(counters.byEndpoint[endpoint])
  console.log(
    `## batching ${batching ? "on (default: 10 ms window, up to 40 per call)" : "off"}: time scale ${timeScale} (${rate} real req/s)`
  )
  console.log(
    `requests sent           : ${counters.total} (batch ${by("batch")}, create ${by("create")}, list ${by("list")}, get ${
      by("get")
    }); needed ${needed}${batching ? `, target ≤ ${needed + 2}` : ""}`
  )
  console.log(`failed calls            : ${failedCreates} create, ${failedGets} get (target 0)`)
  console.log(
    `completion time         : ${fmt(seconds)} s (creates ${fmt((created - started) / 1000)} s, gets ${
      fmt((finished - created) / 1000)
    } s)`
  )
  console.log(
    `first request after     : ${fmt(firstAfter(0))} s (creates), ${
      fmt(firstAfter(created - started))
    } s (gets): starting ${n} calls (CPU)`
  )
  console.log(`physical limit          : ${needed} requests / ${rate} per s = ${fmt(physical)} s`)
  console.log(`completion / physical   : ${fmt(seconds / physical)} (target ≤ 1.1)`)
  console.log(`429s sent by simulator  : ${counters.byCode["429"] ?? 0} (target 0); 503s: ${counters.byCode["503"] ?? 0}`)
}

console.log(
  `# Batching: ${n} concurrent create, then ${n} concurrent get; 1 req/s per group, penalty 120 s, seed 1, 3% 503`
)
await run(true)
if (process.env.BENCH_ONLY_ON === undefined) {
  console.log("")
  await run(false)
}
