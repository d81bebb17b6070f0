/**
 * Client benchmarks against the simulator on loopback:
 *
 * 1. `createMany` of 2000 trackings at the default limit (1 req/s, time-scaled): completion time against the
 *    physical limit, and the 429s the simulator sent.
 * 2. Overhead: the same GET requests through plain `fetch` and through the client (over
 *    `NodeHttpClient.layerUndici`, keep-alive like fetch), rate limits off, each way in a process of its own.
 *    Batching is off here: this measures the call path, and a lone call with batching on first waits its window
 *    (10 ms by default) for company, which on loopback would be the whole figure.
 * 3. Effect runtime steps per call of the client and of the platform HttpClient alone: a figure the machine's
 *    load does not move.
 *
 * Run with `pnpm bench` (builds the packages first; the client is imported from its build).
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { Simulator } from "@trackingmore-effect/simulator"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Redacted from "effect/Redacted"
import * as RuntimeFlags from "effect/RuntimeFlags"
import * as RuntimeFlagsPatch from "effect/RuntimeFlagsPatch"
import * as Supervisor from "effect/Supervisor"
import { spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import type * as CreateOutcomeModule from "../src/CreateOutcome.js"
import type * as TrackingMoreClientModule from "../src/TrackingMoreClient.js"

// The client as users run it: its built JavaScript (`pnpm bench` builds first), typed by its sources. Through tsx,
// every closure of the sources would also pay for a naming helper.
const CreateOutcome: typeof CreateOutcomeModule = await import(new URL("../dist/CreateOutcome.js", import.meta.url).href)
const TrackingMoreClient: typeof TrackingMoreClientModule = await import(
  new URL("../dist/TrackingMoreClient.js", import.meta.url).href
)
type ClientOptions = TrackingMoreClientModule.ClientOptions
type Client = TrackingMoreClientModule.Service

const apiKey = "sim-key-1"
const fmt = (n: number, digits = 3) => n.toFixed(digits)

const runClient = <A, E>(
  options: ClientOptions,
  f: (client: Client) => Effect.Effect<A, E>
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
    const options: ClientOptions = {
      apiKey: Redacted.make(apiKey),
      baseUrl: sim.baseUrl,
      ...Simulator.clientOptions(timeScale)
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
    console.log(`physical limit          : ⌈N/40⌉/R = ${calls}/R = ${fmt(physicalAll)} s (the project's definition: every batch call at the rate limit)`)
    console.log(`ratio physical/actual   : ${fmt(physicalAll / seconds)} (target ≥ 0.95)`)
    console.log(
      `stricter, (${calls}−1)/R   : ${fmt(physicalBetween)} s → ratio ${fmt(physicalBetween / seconds)} (the first call needs no wait)`
    )
    console.log(`429s sent by simulator  : ${counters.byCode["429"] ?? 0} (target 0)`)
  } finally {
    await sim.close()
  }
}

type Way = "fetch" | "client" | "bare"
const ways: ReadonlyArray<Way> = ["fetch", "client", "bare"]

interface Measure {
  readonly rate: number
  /** CPU time of the process per call, µs. */
  readonly cpu: number
}

/**
 * One way of making the calls, in a process of its own: warm-up, then `count` GETs with `concurrency` workers.
 * A process per way keeps one way's garbage and JIT state from being charged to another.
 */
const overheadWorker = async (
  way: Way,
  concurrency: number,
  count: number,
  baseUrl: string
): Promise<ReadonlyArray<Measure>> => {
  const numbers = overheadNumbers
  const headers = { "Trackingmore-Api-Key": apiKey, accept: "application/json" }
  const urlOf = (i: number) => `${baseUrl}/trackings/dhl/${numbers[i % numbers.length]}`
  const runtime = ManagedRuntime.make(
    TrackingMoreClient.layer(unlimited(baseUrl)).pipe(Layer.provideMerge(NodeHttpClient.layerUndici))
  )
  const run = (n: number): Promise<void> => {
    switch (way) {
      case "fetch": {
        let next = 0
        const worker = async () => {
          while (next < n) {
            const response = await fetch(urlOf(next++), { headers })
            const body = JSON.parse(await response.text()) as { meta: { code: number } }
            if (body.meta.code !== 200) throw new Error(`unexpected code ${body.meta.code}`)
          }
        }
        return Promise.all(Array.from({ length: concurrency }, worker)).then(() => undefined)
      }
      case "client":
        return runtime.runPromise(
          Effect.flatMap(TrackingMoreClient.TrackingMoreClient, (client) =>
            Effect.forEach(
              Array.from({ length: n }, (_, i) => numbers[i % numbers.length]!),
              (number) => client.get("dhl", number),
              { concurrency, discard: true }
            ))
        )
      case "bare":
        // The platform's HttpClient alone, with no client code: what any client "over HttpClient" starts from.
        return runtime.runPromise(
          Effect.flatMap(HttpClient.HttpClient, (http) =>
            Effect.forEach(
              Array.from({ length: n }, (_, i) => urlOf(i)),
              (url) =>
                Effect.flatMap(
                  http.execute(HttpClientRequest.get(url, { headers })),
                  (response) => Effect.map(response.text, (text) => JSON.parse(text) as unknown)
                ),
              { concurrency, discard: true }
            ))
        )
    }
  }
  await run(count) // warm-up: connections and JIT, as in a process that has been running for a while
  const measures: Array<Measure> = []
  for (let i = 0; i < runsPerWorker; i++) {
    const cpu = process.cpuUsage()
    const started = performance.now()
    await run(count)
    const seconds = (performance.now() - started) / 1000
    const used = process.cpuUsage(cpu)
    measures.push({ rate: count / seconds, cpu: (used.user + used.system) / count })
  }
  await runtime.dispose()
  return measures
}

const runsPerWorker = 3

const overheadNumbers = Array.from({ length: 50 }, (_, i) => `OVER${String(i).padStart(7, "0")}`)

const unlimited = (baseUrl: string): ClientOptions => ({
  apiKey: Redacted.make(apiKey),
  baseUrl,
  batching: false,
  rateLimits: {
    default: { limit: 1e9, window: "1 second" },
    realtime: { limit: 1e9, window: "1 second" },
    list: { limit: 1e9, window: "1 second" }
  }
})

const spawnWorker = (way: Way, concurrency: number, count: number, baseUrl: string): Promise<ReadonlyArray<Measure>> =>
  new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [...process.execArgv, fileURLToPath(import.meta.url), "--overhead-worker", way, String(concurrency), String(count), baseUrl],
      { stdio: ["ignore", "pipe", "inherit"] }
    )
    let out = ""
    child.stdout.setEncoding("utf8")
    child.stdout.on("data", (chunk: string) => {
      out += chunk
    })
    child.once("error", reject)
    child.once("exit", (code) => {
      const line = out.trim().split("\n").pop() ?? ""
      if (code === 0 && line.startsWith("[")) resolve(JSON.parse(line) as ReadonlyArray<Measure>)
      else reject(new Error(`overhead worker ${way} exited with ${code}: ${out}`))
    })
  })

const overhead = async () => {
  const plan = [{ concurrency: 1, count: 3000 }, { concurrency: 16, count: 6000 }]
  const rounds = 3
  const sim = await spawnSimulator(["--rate", "1e9", "--rate-realtime", "1e9", "--rate-list", "1e9", "--burst", "1e9"])
  try {
    await runClient(unlimited(sim.baseUrl), (client) =>
      client.createMany(overheadNumbers.map((trackingNumber) => ({ trackingNumber, carrierCode: "dhl" }))))
    const median = (xs: ReadonlyArray<number>) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
    console.log("")
    console.log(
      `# 2. Overhead: GET /trackings/{carrier}/{number}, keep-alive, loopback, rate limits and batching off. Each way runs in a`
    )
    console.log(
      `#    process of its own: a warm-up, then ${runsPerWorker} measured runs; ${rounds} processes per way, the order of the`
    )
    console.log(`#    ways rotating; medians of the ${rounds * runsPerWorker} runs`)
    for (const { concurrency, count } of plan) {
      const results: Record<Way, Array<Measure>> = { fetch: [], client: [], bare: [] }
      for (let round = 0; round < rounds; round++) {
        for (let i = 0; i < ways.length; i++) {
          const way = ways[(round + i) % ways.length]!
          results[way].push(...await spawnWorker(way, concurrency, count, sim.baseUrl))
        }
      }
      const rate = (way: Way) => median(results[way].map((m) => m.rate))
      const cpu = (way: Way) => median(results[way].map((m) => m.cpu))
      const line = (way: Way, label: string) =>
        `${"".padEnd(17)}${label.padEnd(26)}: ${fmt(rate(way), 0).padStart(6)} calls/s (rounds ${
          results[way].map((m) => fmt(m.rate, 0)).join(", ")
        }), CPU ${fmt(cpu(way), 0)} µs/call`
      console.log(`concurrency ${concurrency}, ${count} calls per round`)
      console.log(line("fetch", "plain fetch"))
      console.log(line("client", "client.get"))
      console.log(line("bare", "platform HttpClient alone"))
      console.log(
        `${"".padEnd(17)}client/fetch ${fmt(rate("client") / rate("fetch"))} (target ≥ 0.85); bare/fetch ${
          fmt(rate("bare") / rate("fetch"))
        }; client/bare ${fmt(rate("client") / rate("bare"))}`
      )
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

/**
 * Effect runtime steps per call, counted by a supervisor with op supervision on, against an HttpClient that
 * answers at once (no network). Unlike calls/s, this figure does not move with the machine's load.
 */
const runtimeSteps = async () => {
  const body = JSON.stringify({
    meta: { code: 200, type: "Success", message: "Success" },
    data: {
      id: "t1",
      tracking_number: "OVER0000001",
      carrier_code: "dhl",
      status: "transit",
      origin_info: { trackinfo: [{ Date: "2026-11-28 10:00", StatusDescription: "Arrived", checkpoint_status: "transit" }] }
    }
  })
  // With its Content-Length, as a server sends a whole body (the simulator does too): an answer without one is
  // streamed and counted against maxResponseBytes, which costs several hundred more steps.
  const headers = { "content-length": String(Buffer.byteLength(body)) }
  const answering = HttpClient.make((request) =>
    Effect.async<HttpClientResponse.HttpClientResponse>((resume) => {
      setImmediate(() => resume(Effect.succeed(HttpClientResponse.fromWeb(request, new Response(body, { headers })))))
    })
  )
  let steps = 0
  class CountingSupervisor extends Supervisor.AbstractSupervisor<void> {
    value = Effect.void
    override onEffect() {
      steps++
    }
  }
  const calls = 1000
  const count = <E>(call: Effect.Effect<unknown, E>) =>
    Effect.gen(function*() {
      yield* call // warm: the client's first call builds its per-key state
      steps = 0
      const counted = Effect.forEach(Array.from({ length: calls }), () => call, { discard: true }).pipe(
        Effect.withRuntimeFlagsPatch(RuntimeFlagsPatch.enable(RuntimeFlags.OpSupervision))
      )
      yield* Effect.flatMap(Effect.supervised(Effect.fork(counted), new CountingSupervisor()), Fiber.join)
      return steps / calls
    })
  const [client, bare] = await Effect.runPromise(
    Effect.gen(function*() {
      const tm = yield* TrackingMoreClient.TrackingMoreClient
      const http = yield* HttpClient.HttpClient
      const headers = { "Trackingmore-Api-Key": apiKey, accept: "application/json" }
      return [
        yield* count(tm.get("dhl", "OVER0000001")),
        yield* count(Effect.flatMap(
          http.execute(HttpClientRequest.get("http://tm.test/trackings/dhl/OVER0000001", { headers })),
          (response) => Effect.map(response.text, (text) => JSON.parse(text) as unknown)
        ))
      ] as const
    }).pipe(
      Effect.provide(
        TrackingMoreClient.layer(unlimited("http://tm.test")).pipe(
          Layer.provideMerge(Layer.succeed(HttpClient.HttpClient, answering))
        )
      )
    )
  )
  console.log("")
  console.log("# 3. Effect runtime steps per call (deterministic; an HttpClient that answers at once, no network)")
  console.log(`client.get                : ${fmt(client, 0)}`)
  console.log(`platform HttpClient alone : ${fmt(bare, 0)} (so the client adds ${fmt(client - bare, 0)})`)
}

const main = async () => {
  const started = performance.now()
  // BENCH_ONLY=throughput|overhead|steps runs one section.
  const only = process.env.BENCH_ONLY
  if (only === undefined || only === "throughput") await throughput()
  if (only === undefined || only === "overhead") await overhead()
  if (only === undefined || only === "steps") await runtimeSteps()
  console.log(`\nbench finished in ${fmt((performance.now() - started) / 1000, 1)} s`)
}

if (process.argv[2] === "--overhead-worker") {
  const [way, concurrency, count, baseUrl] = process.argv.slice(3)
  overheadWorker(way as Way, Number(concurrency), Number(count), baseUrl!).then(
    (measure) => console.log(JSON.stringify(measure)),
    (error) => {
      console.error(error)
      process.exitCode = 1
    }
  )
} else {
  main().catch((error) => {
    console.error(error)
    process.exitCode = 1
  })
}
