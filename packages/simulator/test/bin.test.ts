import { describe, expect, it } from "@effect/vitest"
import { spawn } from "node:child_process"
import { createHmac } from "node:crypto"
import * as http from "node:http"
import type { AddressInfo } from "node:net"
import { fileURLToPath } from "node:url"

const bin = fileURLToPath(new URL("../src/bin.ts", import.meta.url))

describe("bin", () => {
  it("prints its URL and keys, serves, and stops on SIGTERM", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", bin, "--port", "0", "--mode", "mirror", "--faults", "503:0", "--control"], {
      stdio: ["ignore", "pipe", "pipe"]
    })
    try {
      const out = await new Promise<string>((resolve, reject) => {
        let text = ""
        child.stdout.on("data", (c: Buffer) => {
          text += c.toString()
          if (text.includes("control:")) resolve(text)
        })
        child.once("exit", (code) => reject(new Error(`exited with ${code}`)))
      })
      const url = /listening on (\S+)/.exec(out)![1]!
      expect(out).toContain("keys: sim-key-1")
      const res = await fetch(`${url}/trackings/ups/1Z999AA10123456784`, { headers: { "Trackingmore-Api-Key": "sim-key-1" } })
      expect(res.status).toBe(400) // mirror: 4031 → 400
      const exited = new Promise<number | null>((resolve) => child.once("exit", resolve))
      child.kill("SIGTERM")
      expect(await exited).toBe(0)
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL")
    }
  })

  it("pushes to --webhook-url, signed with --webhook-email; rejects bad webhook flags", async () => {
    const bodies: Array<{ data: { status: string }; verifyInfo: { timeStr: string; signature: string } }> = []
    const receiver = http.createServer((req, res) => {
      let text = ""
      req.on("data", (c: Buffer) => (text += c.toString()))
      req.on("end", () => {
        bodies.push(JSON.parse(text))
        res.writeHead(200).end()
      })
    })
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve))
    const hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`
    const child = spawn(process.execPath, [
      "--import", "tsx", bin, "--time-scale", "0.001", "--step", "10", "--rate", "1000",
      "--webhook-url", hook, "--webhook-email", "me@example.com", "--webhook-faults", "duplicate:0,out-of-order:0"
    ], { stdio: ["ignore", "pipe", "pipe"] })
    try {
      const out = await new Promise<string>((resolve, reject) => {
        let text = ""
        child.stdout.on("data", (c: Buffer) => {
          text += c.toString()
          if (text.includes("webhooks:")) resolve(text)
        })
        child.once("exit", (code) => reject(new Error(`exited with ${code}`)))
      })
      expect(out).toContain(`webhooks: pushing status changes to ${hook}`)
      const url = /listening on (\S+)/.exec(out)![1]!
      await fetch(`${url}/trackings/post`, {
        method: "POST",
        headers: { "Trackingmore-Api-Key": "sim-key-1", "content-type": "application/json" },
        body: JSON.stringify({ tracking_number: "1Z999AA10123456784", carrier_code: "ups" })
      })
      for (let i = 0; i < 300 && !bodies.some((b) => ["delivered", "undelivered", "exception", "expired"].includes(b.data.status)); i++) {
        await new Promise((r) => setTimeout(r, 20))
      }
      expect(bodies.length).toBeGreaterThan(0)
      for (const b of bodies) {
        expect(b.verifyInfo.signature).toBe(createHmac("sha256", "me@example.com").update(b.verifyInfo.timeStr).digest("hex"))
      }
      const exited = new Promise<number | null>((resolve) => child.once("exit", resolve))
      child.kill("SIGTERM")
      expect(await exited).toBe(0)
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL")
      await new Promise<void>((resolve) => receiver.close(() => resolve()))
    }
    for (const args of [["--webhook-url", "http://127.0.0.1:1/"], ["--webhook-url", "http://127.0.0.1:1/", "--webhook-email", "a@b", "--webhook-faults", "lost:0.1"]]) {
      const bad = spawn(process.execPath, ["--import", "tsx", bin, ...args], { stdio: ["ignore", "pipe", "pipe"] })
      expect(await new Promise<number | null>((resolve) => bad.once("exit", resolve))).toBe(2)
    }
  })

  it("--extend-penalty: a request during the penalty restarts it", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", bin, "--time-scale", "10", "--extend-penalty", "--control"], {
      stdio: ["ignore", "pipe", "pipe"]
    })
    try {
      const out = await new Promise<string>((resolve, reject) => {
        let text = ""
        child.stdout.on("data", (c: Buffer) => {
          text += c.toString()
          if (text.includes("control:")) resolve(text)
        })
        child.once("exit", (code) => reject(new Error(`exited with ${code}`)))
      })
      const url = /listening on (\S+)/.exec(out)![1]!
      const origin = new URL(url).origin
      const carriers = async () =>
        ((await (await fetch(`${url}/carriers`, { headers: { "Trackingmore-Api-Key": "sim-key-1" } })).json()) as {
          meta: { code: number }
        }).meta.code
      const penaltyUntil = async () => {
        const state = (await (await fetch(`${origin}/_control/state`)).json()) as {
          now: number
          keys: Array<{ key: string; penaltyUntil: number }>
        }
        return { now: state.now, until: state.keys.find((k) => k.key === "sim-key-1")!.penaltyUntil }
      }
      expect([await carriers(), await carriers(), await carriers()]).toEqual([200, 200, 429])
      const first = await penaltyUntil()
      await fetch(`${origin}/_control/advance`, { method: "POST", body: JSON.stringify({ seconds: 60 }) })
      expect(await carriers()).toBe(429)
      const extended = await penaltyUntil()
      expect(extended.until - first.until).toBeGreaterThanOrEqual(60_000)
      expect(extended.until - extended.now).toBeGreaterThan(119_000)
      const exited = new Promise<number | null>((resolve) => child.once("exit", resolve))
      child.kill("SIGTERM")
      expect(await exited).toBe(0)
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL")
    }
  })
})
