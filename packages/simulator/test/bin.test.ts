import { describe, expect, it } from "@effect/vitest"
import { spawn } from "node:child_process"
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
})
