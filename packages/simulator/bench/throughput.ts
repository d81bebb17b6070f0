/**
 * Throughput of the simulator: simple GETs per second on loopback.
 *
 * The server runs in a child process (its own event loop, like in production use), the load comes from this
 * process over keep-alive connections. Bounded: a fixed request count and a 60 s deadline.
 */
import { spawn } from "node:child_process"
import * as http from "node:http"
import { fileURLToPath } from "node:url"

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 20_000)
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 4)
const DEADLINE_MS = 60_000
const KEY = "sim-key-1"
const NUMBER = "1Z999AA10123456784"

const bin = fileURLToPath(new URL("../src/bin.ts", import.meta.url))
const child = spawn(process.execPath, ["--import", "tsx", bin, "--port", "0", "--rate", "1000000000", "--rate-list", "1000000000"], {
  stdio: ["ignore", "pipe", "inherit"]
})
const killChild = (): void => {
  if (child.exitCode === null) child.kill("SIGTERM")
}
process.on("exit", killChild)

const baseUrl = await new Promise<string>((resolve, reject) => {
  let out = ""
  const timer = setTimeout(() => reject(new Error("simulator did not start")), 20_000)
  child.stdout!.on("data", (chunk: Buffer) => {
    out += chunk.toString()
    const m = /listening on (\S+)/.exec(out)
    if (m !== null) {
      clearTimeout(timer)
      resolve(m[1]!)
    }
  })
  child.once("exit", (code) => reject(new Error(`simulator exited with ${code}`)))
})
const url = new URL(baseUrl)
const agent = new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS })

const request = (method: string, path: string, body?: string): Promise<number> =>
  new Promise((resolve, reject) => {
    const req = http.request({
      agent,
      host: url.hostname,
      port: url.port,
      method,
      path: `${url.pathname}${path}`,
      headers: { "Trackingmore-Api-Key": KEY, "content-type": "application/json" }
    }, (res) => {
      let text = ""
      res.setEncoding("utf8")
      res.on("data", (c: string) => (text += c))
      res.on("end", () => resolve(JSON.parse(text).meta.code as number))
    })
    req.on("error", reject)
    req.end(body)
  })

const created = await request("POST", "/trackings/post", JSON.stringify({ tracking_number: NUMBER, carrier_code: "ups" }))
if (created !== 201) throw new Error(`create answered ${created}`)

// warm-up
for (let i = 0; i < 500; i++) await request("GET", `/trackings/ups/${NUMBER}`)

let sent = 0
let notOk = 0
const started = performance.now()
const deadline = Date.now() + DEADLINE_MS
const worker = async (): Promise<void> => {
  while (sent < REQUESTS && Date.now() < deadline) {
    sent++
    const code = await request("GET", `/trackings/ups/${NUMBER}`)
    if (code !== 200) notOk++
  }
}
await Promise.all(Array.from({ length: CONNECTIONS }, worker))
const seconds = (performance.now() - started) / 1000
const rate = Math.round(sent / seconds)
console.log(
  `simulator: ${rate} GET/s (${sent} requests, ${CONNECTIONS} connections, ${seconds.toFixed(2)} s, ${notOk} not 200, loopback, server in a child process)`
)
agent.destroy()
killChild()
process.exitCode = notOk === 0 ? 0 : 1
