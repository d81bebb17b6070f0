/**
 * Client benchmarks against the simulator on loopback:
 *
 * 1. `createMany` of 2000 trackings at the default limit (1 req/s, time-scaled): completion time against the
 *    physical limit, and the 429s the simulator sent.
 * 2. Overhead: the same GET requests through plain `fetch` and through the client (over
 *    `NodeHttpClient.layerUndici`, keep-alive like fetch), rate limits off.
 *
 * Run with `pnpm bench` in packages/client (builds nothing; imports the sources through tsx).
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import type { Simulator } from "@trackingmore-effect/simulator"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import * as CreateOutcome from "../src/CreateOutcome.js"
import * as TrackingMoreClient from "../src/TrackingMoreClient.js"

const apiKey = "sim-key-1"
const fmt = (n: number, digits = 3) => n.toFixed(digits)

const scaledPolicy = (scale: number) => {
  const s = (seconds: number) => `${seconds * scale * 1000} millis` as const
  return {
    tooManyRequests: { wait: s(120) },
    serviceUnavailable: { base: s(1), cap: s(30) },
    serverError: { base: s(0.5), cap: s(10) },
    notRegistered: { interval: s(2) },
    deadline: s(600)
  }
}

const runClient = <A, E>(
  options: TrackingMoreClient.ClientOptions,
  f: (client: TrackingMoreClient.TrackingMoreClient) => Effect.Effect<A, E>
): Promise<A> =>
  Effect.runPromise(
    Effect.flatMap(TrackingMoreClient.TrackingMoreClient, f).pipe(
      Effect.provide(TrackingMoreClient.layer(options).pipe(Layer.provide(NodeHttpClient.layerUndici)))
    )
  )

const throughput = async () => {
  const timeScale = 0.1
  const n = 2000
  const rate = 1 / timeScale // real requests per second at 1 simulated req/s
  const sim = await spawnSimulator(["--time-scale", String(timeScale)])
  try {
    const items = Array.from({ length: n }, (_, i) => ({
      trackingNumber: `BENCH${String(i).padStart(7, "0")}`,
      carrierCode: "dhl"
    }))
    const options: TrackingMoreClient.ClientOptions = {
      apiKey: Redacted.make(apiKey),
      baseUrl: sim.baseUrl,
      policy: scaledPolicy(timeScale),
      rateLimits: { default: { limit: 1, window: `${timeScale * 1000} millis` } }
    }
    // warm the connection and the code paths, then start from a clean simulator
    await runClient(options, (client) => client.carriers)
    await sim.reset()
    const started = performance.now()
    const outcomes = await runClient(options, (client) => client.createMany(items))
    const seconds = (performance.now() - started) / 1000
    const calls = Math.ceil(n / 40)
    const physicalBetween = (calls - 1) / rate
    const physicalAll = calls / rate
    const counters = await sim.counters()
    if (process.env.BENCH_DEBUG !== undefined) {
      const entries = (await (await fetch(`${new URL(sim.baseUrl).origin}/_control/log`)).json()) as {
        entries: Array<Simulator.LogEntry>
      }
      const t0 = entries.entries[0]?.at ?? 0
      console.log(entries.entries.map((e) => `${e.at - t0}:${e.simulatedAt}:${e.code}`).join(" "))
    }
    const batchCalls = Object.values(counters.byEndpoint.batch ?? {}).reduce((a, b) => a + b, 0)
    const summary = CreateOutcome.summarize(outcomes)
    console.log(`# 1. createMany of ${n} trackings at 1 req/s (time scale ${timeScale}: ${rate} real req/s)`)
    console.log(`outcomes                : created ${summary.created}, existed ${summary.existed}, failed ${summary.failed}`)
    console.log(`batch calls             : ${batchCalls} (expected ${calls})`)
    console.log(`completion time         : ${fmt(seconds)} s`)
    console.log(`physical limit          : ⌈N/40⌉/R = ${calls}/R = ${fmt(physicalAll)} s (DESIGN.md's definition)`)
    console.log(`ratio physical/actual   : ${fmt(physicalAll / seconds)} (target ≥ 0.95)`)
    console.log(
      `stricter, (${calls}−1)/R   : ${fmt(physicalBetween)} s → ratio ${fmt(physicalBetween / seconds)} (the first call needs no wait)`
    )
    console.log(`429s sent by simulator  : ${counters.byCode["429"] ?? 0} (target 0)`)
  } finally {
    await sim.close()
  }
}

const overhead = async () => {
  const count = 1500
  const concurrencies = [1, 16]
  const rounds = 3
  const sim = await spawnSimulator(["--rate", "1e9", "--rate-realtime", "1e9", "--rate-list", "1e9", "--burst", "1e9"])
  try {
    const numbers = Array.from({ length: 50 }, (_, i) => `OVER${String(i).padStart(7, "0")}`)
    const options: TrackingMoreClient.ClientOptions = {
      apiKey: Redacted.make(apiKey),
      baseUrl: sim.baseUrl,
      rateLimits: {
        default: { limit: 1e9, window: "1 second" },
        realtime: { limit: 1e9, window: "1 second" },
        list: { limit: 1e9, window: "1 second" }
      }
    }
    await runClient(options, (client) =>
      client.createMany(numbers.map((trackingNumber) => ({ trackingNumber, carrierCode: "dhl" }))))
    const urls = Array.from({ length: count }, (_, i) => `${sim.baseUrl}/trackings/dhl/${numbers[i % numbers.length]}`)

    const viaFetch = async (concurrency: number): Promise<number> => {
      let next = 0
      const worker = async () => {
        while (next < count) {
          const url = urls[next++]!
          const response = await fetch(url, { headers: { "Trackingmore-Api-Key": apiKey, accept: "application/json" } })
          const body = JSON.parse(await response.text()) as { meta: { code: number } }
          if (body.meta.code !== 200) throw new Error(`unexpected code ${body.meta.code}`)
        }
      }
      const started = performance.now()
      await Promise.all(Array.from({ length: concurrency }, worker))
      return count / ((performance.now() - started) / 1000)
    }

    const viaClient = (concurrency: number): Promise<number> =>
      runClient(options, (client) =>
        Effect.gen(function*() {
          const started = performance.now()
          yield* Effect.forEach(
            Array.from({ length: count }, (_, i) => numbers[i % numbers.length]!),
            (number) => client.get("dhl", number),
            { concurrency, discard: true }
          )
          return count / ((performance.now() - started) / 1000)
        }))

    // The platform's HttpClient alone, with no client code: what any client "over HttpClient" starts from.
    const viaHttpClient = (concurrency: number): Promise<number> =>
      Effect.runPromise(
        Effect.gen(function*() {
          const http = yield* HttpClient.HttpClient
          const started = performance.now()
          yield* Effect.forEach(
            urls,
            (url) =>
              Effect.flatMap(
                http.execute(HttpClientRequest.get(url, { headers: { "Trackingmore-Api-Key": apiKey, accept: "application/json" } })),
                (response) => Effect.map(response.text, (text) => JSON.parse(text) as unknown)
              ),
            { concurrency, discard: true }
          )
          return count / ((performance.now() - started) / 1000)
        }).pipe(Effect.provide(NodeHttpClient.layerUndici))
      )

    const median = (xs: Array<number>) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
    console.log("")
    console.log(`# 2. Overhead: ${count} GET /trackings/{carrier}/{number} per round, keep-alive, loopback, rate limits off`)
    for (const concurrency of concurrencies) {
      // warm-up of both paths
      await viaFetch(concurrency)
      await viaClient(concurrency)
      await viaHttpClient(concurrency)
      const fetchRates: Array<number> = []
      const clientRates: Array<number> = []
      const httpRates: Array<number> = []
      for (let round = 0; round < rounds; round++) {
        fetchRates.push(await viaFetch(concurrency))
        clientRates.push(await viaClient(concurrency))
        httpRates.push(await viaHttpClient(concurrency))
      }
      const f = median(fetchRates)
      const c = median(clientRates)
      console.log(`concurrency ${String(concurrency).padEnd(12)}: plain fetch ${fmt(f, 0)} calls/s (rounds ${fetchRates.map((r) => fmt(r, 0)).join(", ")})`)
      console.log(`${"".padEnd(25)}: client ${fmt(c, 0)} calls/s (rounds ${clientRates.map((r) => fmt(r, 0)).join(", ")})`)
      const h = median(httpRates)
      console.log(
        `${"".padEnd(25)}: bare HttpClient (no client code) ${fmt(h, 0)} calls/s = ${fmt(h / f)} of fetch; client/bare ${fmt(c / h)}`
      )
      console.log(`${"".padEnd(25)}: client/fetch ${fmt(c / f)} (target ≥ 0.85; medians of ${rounds} rounds)`)
    }
    console.log(`429s sent by simulator  : ${(await sim.counters()).byCode["429"] ?? 0}`)
  } finally {
    await sim.close()
  }
}

interface External {
  readonly baseUrl: string
  readonly counters: () => Promise<Simulator.Counters>
  readonly reset: () => Promise<void>
  readonly close: () => Promise<void>
}

/**
 * The simulator in its own process (its bin), so that its work does not share the client's event loop: the
 * measurements are then of the client alone, as against the real API.
 */
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
        close: () =>
          new Promise<void>((done) => {
            child.once("exit", () => done())
            child.kill("SIGTERM")
          })
      })
    })
  })

const main = async () => {
  const started = performance.now()
  await throughput()
  await overhead()
  console.log(`\nbench finished in ${fmt((performance.now() - started) / 1000, 1)} s`)
}

main().catch((error) => {
  console.error(error)
  process.exitCode = 1
})
