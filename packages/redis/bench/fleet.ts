/**
 * Fleet benchmark: N processes (N = 1, 4, 8, 20) create 2000 trackings together on ONE simulator key, and how close
 * to the key's physical limit they finish (⌈2000/40⌉ = 50 batch calls at 1 request/s: 50 simulated seconds).
 *
 *   pnpm --filter @trackingmore-effect/redis bench          (or, in packages/redis: node --import tsx bench/fleet.ts)
 *   FLEET_QUICK=1 node --import tsx bench/fleet.ts          (a smoke run: 400 trackings, N = 1 and 4, redis + peer)
 *   FLEET_CREATE_N=1,4,8,20 FLEET_CREATE_EXTEND=off,on FLEET_MEMORY_N=1,4,8,20 FLEET_BUDGET_S=3600 \
 *     node --import tsx bench/fleet.ts                      (the whole matrix, 48 rows: half an hour, estimated)
 *
 * Rows: workload × N × mode × penalty extension (chosen by the variables below), nested in that order, so that the
 * createMany rows come first and a penalty extension's off and on sit side by side. The default run (25 rows: 8 to
 * 14 minutes on a busy 2-core machine; rows not started after FLEET_BUDGET_S are listed as skipped) measures what
 * tells most: createMany at every N, both extensions, Redis and the peer, in-memory at N = 1 and 4 (beyond, it only
 * repeats the cut of N = 4); single creates at N = 1 and 20, extension off.
 * - mode `redis`: the client with `@trackingmore-effect/redis` (gate, rate limiter, budget shared through Redis);
 *   `memory`: the client with its in-memory layers only (each process alone); `peer`: p-retry + Bottleneck on the
 *   same Redis, as a competent user writes it (test/fixtures/fleet-peer.ts);
 * - workload `createMany`: each process one `createMany` of its share; `create`: each process one concurrent
 *   `create` per tracking (the peer gathers them with Bottleneck's Batcher);
 * - extendPenalty `off`/`on`: whether a request during the simulator's 429 penalty extends it
 *   (`rateLimits.extendPenalty`; rows `on` are left out, with a note, when the simulator has no such option).
 *
 * The simulator runs in its own process, with the documented limits (1 request/s, token bucket of 2, penalty
 * 120 simulated s), seed 1, 3% 503 and 1% connection resets, time-scaled. The client uses
 * `Simulator.clientOptions(TIME_SCALE)`: the default policy and limits, scaled. The simulator and the bench's own
 * Redis stand for servers elsewhere: they run at a higher priority than the fleet and its load.
 *
 * Load: the machine is as busy as 20 processes make it at every N. While a row runs, 20 − N CPU-busy processes run
 * beside the N workers: each a loop of 5 ms busy slices with yields between them (a busy service), busy
 * FLEET_LOAD_DUTY of the time. The default, 0.1, makes 20 processes ask for exactly the 2 cores of the machine this
 * was written on: every wake-up of a worker's event loop meets a full run queue. At 1 (loops that never sleep) a
 * worker gets a twentieth of the machine or less, and the fleet is bound by the CPU each call costs (which does not
 * shrink with the time scale), not by the key's limit. FLEET_LOAD=full makes every worker's own event loop busy too.
 *
 * `CPU (s)`: what the workers spent together, for the rows where the client's own work, not the key, sets the pace.
 * A row is cut when it takes FLEET_CAP × the physical limit. `lost`: trackings neither on the simulator at the end
 * nor reported as never sent (a failure reported as TooManyRequests for an item that was never sent is lost).
 * Targets (issue 15): completion ≤ 1.15 × the physical limit, zero lost, zero 429s.
 *
 * Variables (defaults in brackets):
 *   TIME_SCALE [0.05]         real seconds per simulated second (0.05: 1 simulated s = 50 ms, the penalty 6 s)
 *   FLEET_TOTAL [2000]        trackings per row
 *   FLEET_N [1,4,8,20]        fleet sizes of the createMany rows
 *   FLEET_CREATE_N [1,20]     fleet sizes of the single-create rows
 *   FLEET_MODES [redis,peer,memory]
 *   FLEET_MEMORY_N [1,4]      fleet sizes of the memory rows (beyond 4 they only repeat the cut of N = 4)
 *   FLEET_WORKLOADS [createMany,create]
 *   FLEET_EXTEND [off,on]     penalty extension of the createMany rows
 *   FLEET_CREATE_EXTEND [off] penalty extension of the single-create rows
 *   FLEET_LOAD [loaders]      loaders: 20 − N busy processes; full: and busy workers; off: none
 *   FLEET_LOAD_DUTY [0.1]     the share of the time each busy process is busy (1: it only yields)
 *   FLEET_CAP [20]            cut a row at this many times the physical limit
 *   FLEET_BUDGET_S [720]      rows not started after this many real seconds are skipped (noted in the table)
 *   PENALTY_SECONDS [120]     the simulator's penalty (simulated s)
 *   FLEET_FAULTS [503:0.03,reset:0.01]   FLEET_SEED [1]
 *   REDIS_URL                 the fleet's Redis [a redis-server of the bench's own, else redis://127.0.0.1:6379]
 *   FLEET_WARMUP [1]          0: no unmeasured warm-up round of every mode and workload before the rows
 *   FLEET_OUT                 also write the rows as JSON to this file
 */
import type { ChildProcess } from "node:child_process"
import { fork, spawn } from "node:child_process"
import { randomBytes } from "node:crypto"
import { writeFileSync } from "node:fs"
import { setPriority } from "node:os"
import { fileURLToPath } from "node:url"
import { Redis } from "ioredis"
import type { FleetResult } from "../test/fixtures/fleet.js"
import { RoundTimeout, startPool } from "../test/fixtures/fleet.js"
import type { FromSim, RoundStats, ToSim } from "./fleet-sim.js"
import type { Row } from "./fleet-table.js"
import { table } from "./fleet-table.js"

const env = process.env
const quick = env.FLEET_QUICK === "1"
const list = (name: string, fallback: string) => (env[name] ?? fallback).split(",").map((s) => s.trim()).filter(Boolean)
const timeScale = Number(env.TIME_SCALE ?? 0.05)
const total = Number(env.FLEET_TOTAL ?? (quick ? 400 : 2000))
const sizes = list("FLEET_N", quick ? "1,4" : "1,4,8,20").map(Number)
const createSizes = list("FLEET_CREATE_N", quick ? "1,4" : "1,20").map(Number)
const memorySizes = list("FLEET_MEMORY_N", "1,4").map(Number)
const modes = list("FLEET_MODES", quick ? "redis,peer" : "redis,peer,memory") as Array<Row["mode"]>
const workloads = list("FLEET_WORKLOADS", "createMany,create") as Array<Row["workload"]>
const extensions = list("FLEET_EXTEND", quick ? "off" : "off,on").map((s) => s === "on")
const createExtensions = list("FLEET_CREATE_EXTEND", "off").map((s) => s === "on")
const load = env.FLEET_LOAD ?? "loaders"
const loadDuty = Math.min(1, Math.max(0.01, Number(env.FLEET_LOAD_DUTY ?? 0.1)))
const cap = Number(env.FLEET_CAP ?? 20)
const budgetMs = Number(env.FLEET_BUDGET_S ?? 720) * 1000
const penaltySeconds = Number(env.PENALTY_SECONDS ?? 120)
const seed = Number(env.FLEET_SEED ?? 1)
const faults = Object.fromEntries(list("FLEET_FAULTS", "503:0.03,reset:0.01").map((s) => {
  const [kind, rate] = s.split(":")
  return [kind!, Number(rate)]
}))
const busyProcesses = 20
const busySliceMs = 5
const physicalMs = Math.ceil(total / 40) * 1000 * timeScale
const began = Date.now()

// --- the simulator's process -------------------------------------------------------------------------------------

const startSim = () => {
  const child = fork(fileURLToPath(new URL("./fleet-sim.ts", import.meta.url)), [], {
    execArgv: ["--import", "tsx"],
    stdio: ["ignore", "inherit", "inherit", "ipc"]
  })
  const answer = <T extends FromSim["type"]>(type: T) =>
    new Promise<Extract<FromSim, { type: T }>>((resolve, reject) => {
      const onMessage = (m: FromSim) => {
        if (m.type !== type && m.type !== "error") return
        child.off("message", onMessage)
        if (m.type === "error") reject(new Error(m.message))
        else resolve(m as Extract<FromSim, { type: T }>)
      }
      child.on("message", onMessage)
    })
  const up = answer("up")
  const ask = async <T extends FromSim["type"]>(message: ToSim, type: T) => {
    await up
    const reply = answer(type)
    child.send(message)
    return reply
  }
  return { child, up, ask }
}

// --- load: CPU-busy processes, stopped between rows --------------------------------------------------------------

// A loader leaves when the bench is gone (its parent changes), should the bench die without stopping it.
const idleMs = Math.round(busySliceMs * (1 - loadDuty) / loadDuty)
const spinCode = `const p=process.ppid;const spin=()=>{if(process.ppid!==p)process.exit();` +
  `const e=Date.now()+${busySliceMs};while(Date.now()<e){}` +
  (idleMs > 0 ? `setTimeout(spin,${idleMs})};spin()` : `setImmediate(spin)};spin()`)

const startLoaders = (count: number): Array<ChildProcess> =>
  Array.from({ length: count }, () => {
    const child = spawn(process.execPath, ["-e", spinCode], { stdio: "ignore" })
    child.kill("SIGSTOP")
    return child
  })

// --- Redis --------------------------------------------------------------------------------------------------------

const answers = async (url: string) => {
  const client = new Redis(url, { lazyConnect: true, connectTimeout: 1000, maxRetriesPerRequest: 0, retryStrategy: () => null })
  client.on("error", () => {})
  try {
    await client.connect()
    return (await client.ping()) === "PONG"
  } catch {
    return false
  } finally {
    client.disconnect()
  }
}

/**
 * The fleet's Redis. Like the simulator it stands for a server elsewhere, so by default the bench starts one of its
 * own (no persistence, a free port, a higher priority than the load) when `redis-server` is at hand; REDIS_URL
 * names one instead.
 */
const startRedis = async (): Promise<{ readonly url: string; readonly child?: ChildProcess }> => {
  if (env.REDIS_URL !== undefined) return { url: env.REDIS_URL }
  const port = 20_000 + Math.floor(Math.random() * 20_000)
  const child = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], {
    stdio: "ignore"
  })
  const failed = new Promise<boolean>((resolve) => child.on("error", () => resolve(false)))
  const url = `redis://127.0.0.1:${port}`
  for (let i = 0; i < 50; i++) {
    if (await Promise.race([answers(url), failed])) {
      try {
        setPriority(child.pid!, -5)
      } catch { /* not permitted */ }
      return { url, child }
    }
    if (child.exitCode !== null) break
    await new Promise((r) => setTimeout(r, 100))
  }
  child.kill()
  return { url: "redis://127.0.0.1:6379" }
}

const cleanup = async (redisUrl: string, patterns: ReadonlyArray<string>) => {
  const client = new Redis(redisUrl)
  try {
    for (const pattern of patterns) {
      const keys = await client.keys(pattern)
      if (keys.length > 0) await client.del(...keys)
    }
  } finally {
    client.disconnect()
  }
}

// --- one row ------------------------------------------------------------------------------------------------------

const numberOf = (i: number) => `RR${String(i).padStart(9, "0")}DE`

const summarize = (result: FleetResult | undefined, stats: RoundStats) => {
  const onServer = new Set(stats.numbers)
  const notSent = new Set(result?.notSentNumbers ?? [])
  let lost = 0
  for (let i = 0; i < total; i++) if (!onServer.has(numberOf(i)) && !notSent.has(numberOf(i))) lost++
  return {
    requests: stats.requests,
    tooMany: stats.byCode["429"] ?? 0,
    unavailable: stats.byCode["503"] ?? 0,
    resets: stats.byCode["reset"] ?? 0,
    first429s: stats.first429Ms === undefined ? undefined : stats.first429Ms / 1000 / timeScale,
    onServer: onServer.size,
    lost
  }
}

// --- main ---------------------------------------------------------------------------------------------------------

const main = async () => {
  const redis = await startRedis()
  const redisUrl = redis.url
  const withRedis = await answers(redisUrl)
  if (!withRedis) console.warn(`!!! Redis at ${redisUrl} does not answer: only the memory rows are measured`)
  const sim = startSim()
  await sim.up
  // The simulator stands for a server elsewhere: its clock of arrivals should not queue behind the fleet's load.
  try {
    setPriority(sim.child.pid!, -5)
  } catch { /* not permitted: it runs at the fleet's priority */ }
  const { extendPenalty: canExtend } = await sim.ask({ type: "probe-extend" }, "probed")
  console.error(`simulator ready (rateLimits.extendPenalty ${canExtend ? "supported" : "not supported"}); starting workers`)
  const allSizes = [...(workloads.includes("createMany") ? sizes : []), ...(workloads.includes("create") ? createSizes : [])]
  const maxN = Math.max(...allSizes)
  const pool = startPool(maxN)
  await pool.ready()
  console.error(`${((Date.now() - began) / 1000).toFixed(0)} s: ${maxN} workers up`)
  if (env.FLEET_WARMUP !== "0") {
    // Every worker runs every code path once before the rows (on a simulator without limits, not measured), so
    // that no row pays for the first compilation of its mode's code on a busy CPU.
    for (const mode of modes) {
      if (mode !== "memory" && !withRedis) continue
      for (const workload of workloads) {
        const { baseUrl } = await sim.ask({
          type: "start",
          options: { key: "sim-key-1", timeScale, seed, penaltySeconds, extendPenalty: false, faults: {}, rate: 1e6 }
        }, "started")
        const prefix = `tm-bench:${randomBytes(4).toString("hex")}:`
        await pool.run({
          workers: maxN, total: maxN * 3, baseUrl, apiKey: "sim-key-1", mode, workload, redisUrl, prefix,
          pacing: { timeScale }, timeoutMs: 60_000
        }).catch(() => {})
        await sim.ask({ type: "close" }, "closed")
        if (withRedis) await cleanup(redisUrl, [`${prefix}*`, `b_${prefix}*`])
      }
    }
    console.error(`${((Date.now() - began) / 1000).toFixed(0)} s: warmed up`)
  }
  const loaders = load === "off" ? [] : startLoaders(busyProcesses - Math.min(...allSizes))
  const rows: Array<Row> = []
  let stopped = false
  const stopAll = () => {
    if (stopped) return
    stopped = true
    for (const l of loaders) l.kill("SIGKILL")
    pool.close()
    sim.child.kill()
    redis.child?.kill()
  }
  process.on("exit", stopAll)
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => {
      stopAll()
      process.exit(130)
    })
  }
  try {
    for (const workload of workloads) {
      for (const n of workload === "create" ? createSizes : sizes) {
        for (const mode of modes) {
          for (const extendPenalty of workload === "create" ? createExtensions : extensions) {
            if (mode === "memory" && !memorySizes.includes(n)) continue
            const row = { mode, n, workload, extendPenalty }
            if (mode !== "memory" && !withRedis) continue
            if (extendPenalty && !canExtend) continue
            if (Date.now() - began > budgetMs) {
              rows.push({ ...row, note: "skipped: time budget spent (FLEET_BUDGET_S)" })
              continue
            }
            rows.push(await measure(row))
            console.error(`${((Date.now() - began) / 1000).toFixed(0)} s ${table(rows.slice(-1), total).split("\n").pop()}`)
          }
        }
      }
    }
  } finally {
    stopAll()
  }

  async function measure(row: Pick<Row, "mode" | "n" | "workload" | "extendPenalty">): Promise<Row> {
    const key = "sim-key-1"
    const prefix = `tm-bench:${randomBytes(4).toString("hex")}:`
    const { baseUrl } = await sim.ask({
      type: "start",
      options: { key, timeScale, seed, penaltySeconds, extendPenalty: row.extendPenalty, faults }
    }, "started")
    const active = load === "off" ? [] : loaders.slice(0, busyProcesses - row.n)
    const timeoutMs = cap * physicalMs
    let result: FleetResult | undefined
    let cut = false
    try {
      result = await pool.run({
        workers: row.n,
        total,
        baseUrl,
        apiKey: key,
        mode: row.mode,
        workload: row.workload,
        redisUrl,
        prefix,
        pacing: { timeScale },
        busySliceMs: load === "full" ? busySliceMs : 0,
        timeoutMs,
        // the load runs for a second before the row starts: a machine that is busy, not one waking up
        beforeGo: async () => {
          if (active.length === 0) return
          active.forEach((l) => l.kill("SIGCONT"))
          await new Promise((resolve) => setTimeout(resolve, 1000))
        }
      })
    } catch (error) {
      if (!(error instanceof RoundTimeout)) throw error
      cut = true
    } finally {
      active.forEach((l) => l.kill("SIGSTOP"))
    }
    const elapsedMs = result?.elapsedMs ?? timeoutMs
    const { stats } = await sim.ask({ type: "stats" }, "stats")
    if (env.FLEET_DEBUG === "1") {
      const sim = (ms: number) => (ms / 1000 / timeScale).toFixed(1)
      const edges = result === undefined || stats.firstAt === undefined || stats.lastAt === undefined
        ? ""
        : ` (first request ${sim(stats.firstAt - result.began)} simulated s after the start, the end ` +
          `${sim(result.began + result.elapsedMs - stats.lastAt)} s after the last request)`
      console.error(`${row.mode} N=${row.n} ${row.workload}${edges}: ` +
        stats.timeline.map(([s, c]) => `${s.toFixed(1)}:${c}`).join(" "))
    }
    await sim.ask({ type: "close" }, "closed")
    if (withRedis) await cleanup(redisUrl, [`${prefix}*`, `b_${prefix}*`])
    return {
      ...row,
      completion: elapsedMs / physicalMs,
      cut,
      ...summarize(result, stats),
      ...(result === undefined
        ? {}
        : { notSent: result.notSent, failed: result.failed, errors: result.errors, cpuS: result.cpuMs / 1000 }),
      wallS: elapsedMs / 1000
    }
  }

  const out = [
    `\n${total} trackings on one key, ${Math.ceil(total / 40)} batch calls at 1 request/s = physical limit ` +
      `${Math.ceil(total / 40)} simulated s; time scale ${timeScale} (1 simulated s = ${1000 * timeScale} ms real, ` +
      `penalty ${penaltySeconds} simulated s = ${(penaltySeconds * timeScale).toFixed(1)} s real); seed ${seed}, faults ` +
      `${JSON.stringify(faults)}; load ${load === "off" ? "off" : `${load}, duty ${loadDuty}`}; rows cut at ${cap} × physical` +
      ([...extensions, ...createExtensions].includes(true) && !canExtend ? "; extendPenalty on: not measured (this simulator has no such option)" : "") +
      "\n",
    table(rows, total),
    `\nbench wall time ${((Date.now() - began) / 1000).toFixed(1)} s`
  ].join("\n")
  console.log(out)
  if (env.FLEET_OUT !== undefined) writeFileSync(env.FLEET_OUT, JSON.stringify({ total, timeScale, rows }, null, 2))
  process.exit(0)
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
