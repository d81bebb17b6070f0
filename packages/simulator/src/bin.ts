#!/usr/bin/env node
/**
 * `trackingmore-simulator`: runs the simulator until SIGINT/SIGTERM.
 *
 * ```
 * trackingmore-simulator --port 4000 --seed 1 --time-scale 0.01 --mode mirror --faults reset:0.05,503:0.05 --control
 * trackingmore-simulator --webhook-url http://127.0.0.1:3000/hook --webhook-email me@example.com --webhook-faults duplicate:0.1
 * ```
 *
 * @since 0.1.0
 */
import { parseArgs } from "node:util"
import * as Fault from "./Fault.js"
import type { Mode, Options } from "./Simulator.js"
import type * as Webhooks from "./Webhooks.js"
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
  --extend-penalty      a request arriving during a 429 penalty restarts it (default: it does not)
  --step <s>            simulated seconds per lifecycle step (default 1800)
  --control             serve /_control/*
  --webhook-url <url>   push status changes to this loopback http URL (repeat for up to 4)
  --webhook-email <e>   the account email, key of the pushes' signature (required with --webhook-url)
  --webhook-faults <s>  push faults, e.g. duplicate:0.1,out-of-order:0.1,bad-signature:0.05
  --webhook-timeout-ms <ms>  real ms a push may take (default 5000)
  --help`

const num = (name: string, value: string | undefined): number | undefined => {
  if (value === undefined) return undefined
  const n = Number(value)
  if (!Number.isFinite(n)) throw new Error(`--${name} must be a number, got "${value}"`)
  return n
}

const webhookFaultNames: Readonly<Record<string, keyof Webhooks.Faults>> = {
  duplicate: "duplicate",
  "out-of-order": "outOfOrder",
  "bad-signature": "badSignature"
}

/** `duplicate:0.1,out-of-order:0.2` → `{ duplicate: 0.1, outOfOrder: 0.2 }`. */
const webhookFaults = (spec: string): Webhooks.Faults => {
  const faults: { -readonly [K in keyof Webhooks.Faults]: number } = {}
  for (const part of spec.split(",")) {
    const [name = "", rate = ""] = part.split(":")
    const key = webhookFaultNames[name.trim()]
    const n = Number(rate)
    if (key === undefined || rate.trim() === "" || !Number.isFinite(n) || n < 0 || n > 1) {
      throw new Error(`--webhook-faults: "${part}" is not duplicate|out-of-order|bad-signature:<rate 0..1>`)
    }
    faults[key] = n
  }
  return faults
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
      "extend-penalty": { type: "boolean" },
      step: { type: "string" },
      control: { type: "boolean" },
      "webhook-url": { type: "string", multiple: true },
      "webhook-email": { type: "string" },
      "webhook-faults": { type: "string" },
      "webhook-timeout-ms": { type: "string" },
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
  const urls = values["webhook-url"] ?? []
  const email = values["webhook-email"]
  if (urls.length > 0 && email === undefined) throw new Error("--webhook-url needs --webhook-email")
  const timeoutMs = num("webhook-timeout-ms", values["webhook-timeout-ms"])
  const webhooks: Webhooks.Options | undefined = urls.length === 0 || email === undefined ? undefined : {
    urls,
    email,
    ...(values["webhook-faults"] === undefined ? {} : { faults: webhookFaults(values["webhook-faults"]) }),
    ...(timeoutMs === undefined ? {} : { timeoutMs })
  }
  const options: Options = {
    ...(port === undefined ? {} : { port }),
    ...(values.host === undefined ? {} : { host: values.host }),
    ...(seed === undefined ? {} : { seed }),
    ...(timeScale === undefined ? {} : { timeScale }),
    ...(mode === undefined ? {} : { mode: mode as Mode }),
    ...(step === undefined ? {} : { lifecycleStepSeconds: step }),
    control: values.control === true,
    ...(webhooks === undefined ? {} : { webhooks }),
    rateLimits: {
      ...(rate === undefined ? {} : { default: rate }),
      ...(realtime === undefined ? {} : { realtime }),
      ...(list === undefined ? {} : { list }),
      ...(burst === undefined ? {} : { burst }),
      ...(values["extend-penalty"] === true ? { extendPenalty: true } : {})
    },
    faults: {
      ...(values.faults === undefined ? {} : { random: Fault.parseSpec(values.faults) }),
      ...(slowMs === undefined ? {} : { slowMs })
    }
  }
  const server = await startServer(options)
  console.log(`trackingmore-simulator listening on ${server.baseUrl}`)
  console.log(`keys: ${server.keys.join(", ")}`)
  if (webhooks !== undefined) console.log(`webhooks: pushing status changes to ${webhooks.urls.join(", ")}`)
  if (options.control === true) console.log(`control: ${server.origin}/_control/{log,counters,state,scenario,reset,advance,webhooks}`)
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
