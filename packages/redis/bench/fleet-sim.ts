/**
 * The fleet benchmark's simulator, in a process of its own (as the API is, away from the fleet it serves):
 * forked by bench/fleet.ts, driven over IPC. One simulator per round; after the round, its counters, the
 * timeline of the key's 429s and the tracking numbers it holds (read with one list call once faults and limits
 * are lifted, so that the audit costs the round nothing).
 */
import * as Simulator from "@trackingmore-effect/simulator/Simulator"

export interface RoundOptions {
  readonly key: string
  readonly timeScale: number
  readonly seed: number
  readonly penaltySeconds: number
  readonly extendPenalty: boolean
  /** random fault rates per kind, e.g. { "503": 0.03, reset: 0.01 } */
  readonly faults: Readonly<Record<string, number>>
  /** requests per simulated second of the default group (default 1, the documented limit) */
  readonly rate?: number
}

export interface RoundStats {
  readonly requests: number
  readonly byCode: Readonly<Record<string, number>>
  /** real ms from the first request to the first 429, and from the first to the last 429 (undefined: none) */
  readonly first429Ms: number | undefined
  readonly span429Ms: number | undefined
  /** the tracking numbers the key holds */
  readonly numbers: ReadonlyArray<string>
  /** every request of the round: simulated seconds since the first, and its code (or fault) */
  readonly timeline: ReadonlyArray<readonly [seconds: number, code: string]>
  /** real epoch ms of the round's first and last request */
  readonly firstAt: number | undefined
  readonly lastAt: number | undefined
}

export type ToSim =
  | { readonly type: "start"; readonly options: RoundOptions }
  | { readonly type: "stats" }
  | { readonly type: "close" }
  | { readonly type: "probe-extend" }

export type FromSim =
  | { readonly type: "up" }
  | { readonly type: "started"; readonly baseUrl: string }
  | { readonly type: "stats"; readonly stats: RoundStats }
  | { readonly type: "closed" }
  | { readonly type: "probed"; readonly extendPenalty: boolean }
  | { readonly type: "error"; readonly message: string }

let server: Simulator.SimulatorServer | undefined
let current: RoundOptions | undefined

const reply = (message: FromSim) => process.send!(message)

const post = (baseUrl: string, key: string) =>
  fetch(`${baseUrl}/trackings/batch`, {
    method: "POST",
    headers: { "Trackingmore-Api-Key": key, "content-type": "application/json" },
    body: "[]"
  }).then((r) => r.json() as Promise<{ meta: { code: number } }>).then((b) => b.meta.code)

/**
 * Whether this simulator honours `rateLimits.extendPenalty`: a 429 during the penalty moves its end. Black-box:
 * one request over the limit starts a 100 s penalty, one 429 inside it at 10 s, and a request at 105 s tells.
 */
const probeExtend = async (): Promise<boolean> => {
  const key = "sim-key-1"
  const sim = await Simulator.startServer({
    keys: [{ key }],
    rateLimits: { default: 1, burst: 1, penaltySeconds: 100, extendPenalty: true }
  })
  try {
    await post(sim.baseUrl, key)
    await post(sim.baseUrl, key)
    sim.advance(10_000)
    await post(sim.baseUrl, key)
    sim.advance(95_000)
    return (await post(sim.baseUrl, key)) === 429
  } finally {
    await sim.close()
  }
}

const start = async (options: RoundOptions) => {
  current = options
  server = await Simulator.startServer({
    timeScale: options.timeScale,
    seed: options.seed,
    keys: [{ key: options.key }],
    rateLimits: { default: options.rate ?? 1, penaltySeconds: options.penaltySeconds, extendPenalty: options.extendPenalty },
    faults: { random: { rates: options.faults } }
  })
  return server.baseUrl
}

const stats = async (): Promise<RoundStats> => {
  const sim = server!
  const { key } = current!
  const counters = sim.counters()
  const log = sim.log().filter((e) => e.key === key)
  const t0 = log[0]?.at ?? 0
  const tooMany = log.filter((e) => e.code === 429 || e.status === 429)
  // The audit: no faults, no limits, past any penalty; one list call for every number (its documented page of 2000).
  sim.setFaults({})
  sim.setRateLimits({ default: 1e9, list: 1e9, realtime: 1e9, penaltySeconds: current!.penaltySeconds })
  sim.advance((current!.penaltySeconds + 1) * 1000)
  const numbers: Array<string> = []
  for (let page = 1; ; page++) {
    const response = await fetch(`${sim.baseUrl}/trackings/get?limit=2000&page=${page}`, {
      headers: { "Trackingmore-Api-Key": key }
    })
    const body = await response.json() as { data: { total: number; items: Array<{ tracking_number: string }> } }
    numbers.push(...body.data.items.map((i) => i.tracking_number))
    if (body.data.items.length === 0 || numbers.length >= body.data.total) break
  }
  return {
    requests: counters.total,
    byCode: counters.byCode,
    first429Ms: tooMany.length > 0 ? tooMany[0]!.at - t0 : undefined,
    span429Ms: tooMany.length > 0 ? tooMany[tooMany.length - 1]!.at - tooMany[0]!.at : undefined,
    numbers,
    firstAt: log[0]?.at,
    lastAt: log[log.length - 1]?.at,
    timeline: log.map((e) => [(e.at - t0) / 1000 / current!.timeScale, String(e.code ?? e.fault ?? e.status)] as const)
  }
}

process.on("disconnect", () => process.exit(0))
process.on("message", (message: ToSim) => {
  const handle = async (): Promise<FromSim> => {
    switch (message.type) {
      case "start":
        return { type: "started", baseUrl: await start(message.options) }
      case "stats":
        return { type: "stats", stats: await stats() }
      case "close":
        await server?.close()
        server = undefined
        return { type: "closed" }
      case "probe-extend":
        return { type: "probed", extendPenalty: await probeExtend() }
    }
  }
  handle().then(reply, (error: unknown) => reply({ type: "error", message: error instanceof Error ? error.message : String(error) }))
})
reply({ type: "up" })
