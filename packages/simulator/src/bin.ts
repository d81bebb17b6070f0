#!/usr/bin/env node
/**
 * `trackingmore-simulator`: runs the simulator until SIGINT/SIGTERM.
 *
 * ```
 * trackingmore-simulator --port 4000 --seed 1 --time-scale 0.01 --mode mirror --faults reset:0.05,503:0.05 --control
 * ```
 *
 * @since 0.1.0
 */
import { parseArgs } from "node:util"
import * as Fault from "./Fault.js"
import type { Mode, Options } from "./Simulator.js"
import { startServer } from "./Simulator.js"

const usage = `usage: trackingmore-simulator [options]
  --port <n>            port (default 0: a free port)
  --host <h>            host (default 127.0.0.1)
  --seed <n>            seed of lifecycles and random faults (default 1)
  --time-scale <s>      real seconds per simulated second (default 1)
  --mode <m>            always-200 | mirror (default always-200)
  --faults <spec>       random faults, e.g. reset:0.05,503:0.05
  --slow-ms <ms>        delay of "slow" faults in real ms (default 2000)
  --rate <n>            default group, req/s (default 1)
  --rate-realtime <n>   realtime group, req/s (default 3)
  --rate-list <n>       list group, req/s (default 1)
  --burst <n>           token-bucket capacity of every group (default: rate + 1)
  --step <s>            simulated seconds per lifecycle step (default 1800)
  --control             serve /_control/*
  --help`

const num = (name: string, value: string | undefined): number | undefined => {
  if (value === undefined) return undefined
  const n = Number(value)
  if (!Number.isFinite(n)) throw new Error(`--${name} must be a number, got "${value}"`)
  return n
}

const main = async (): Promise<void> => {
  const { values } = parseArgs({
    options: {
      port: { type: "string" },
      host: { type: "string" },
      seed: { type: "string" },
      "time-scale": { type: "string" },
      mode: { type: "string" },
      faults: { type: "string" },
      "slow-ms": { type: "string" },
      rate: { type: "string" },
      "rate-realtime": { type: "string" },
      "rate-list": { type: "string" },
      burst: { type: "string" },
      step: { type: "string" },
      control: { type: "boolean" },
      help: { type: "boolean" }
    }
  })
  if (values.help === true) {
    console.log(usage)
    return
  }
  const mode = values.mode
  if (mode !== undefined && mode !== "always-200" && mode !== "mirror") throw new Error(`--mode must be always-200 or mirror`)
  const port = num("port", values.port)
  const seed = num("seed", values.seed)
  const timeScale = num("time-scale", values["time-scale"])
  const slowMs = num("slow-ms", values["slow-ms"])
  const rate = num("rate", values.rate)
  const realtime = num("rate-realtime", values["rate-realtime"])
  const list = num("rate-list", values["rate-list"])
  const burst = num("burst", values.burst)
  const step = num("step", values.step)
  const options: Options = {
    ...(port === undefined ? {} : { port }),
    ...(values.host === undefined ? {} : { host: values.host }),
    ...(seed === undefined ? {} : { seed }),
    ...(timeScale === undefined ? {} : { timeScale }),
    ...(mode === undefined ? {} : { mode: mode as Mode }),
    ...(step === undefined ? {} : { lifecycleStepSeconds: step }),
    control: values.control === true,
    rateLimits: {
      ...(rate === undefined ? {} : { default: rate }),
      ...(realtime === undefined ? {} : { realtime }),
      ...(list === undefined ? {} : { list }),
      ...(burst === undefined ? {} : { burst })
    },
    faults: {
      ...(values.faults === undefined ? {} : { random: Fault.parseSpec(values.faults) }),
      ...(slowMs === undefined ? {} : { slowMs })
    }
  }
  const server = await startServer(options)
  console.log(`trackingmore-simulator listening on ${server.baseUrl}`)
  console.log(`keys: ${server.keys.join(", ")}`)
  if (options.control === true) console.log(`control: ${server.origin}/_control/{log,counters,state,scenario,reset,advance}`)
  let stopping = false
  const stop = (): void => {
    if (stopping) return
    stopping = true
    void server.close().then(() => process.exit(0))
  }
  process.on("SIGINT", stop)
  process.on("SIGTERM", stop)
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error))
  console.error(usage)
  process.exit(2)
})
