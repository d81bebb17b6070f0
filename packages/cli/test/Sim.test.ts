import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { spawn } from "node:child_process"
import { lines, oneSentence, packageDir, trackingmore } from "./utils.js"

describe.concurrent("trackingmore sim", () => {
  it.live("starts the simulator with its bin's flags, serves the API, and stops on SIGTERM with exit code 0", () =>
    Effect.async<void, Error>((resume) => {
      const child = spawn(process.execPath, ["dist/bin.js", "sim", "--port", "0", "--time-scale", "0.01", "--control"], {
        cwd: packageDir
      })
      let out = ""
      let answered = false
      child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
        out += chunk
        const match = /listening on (http:\/\/\S+)/.exec(out)
        if (match !== null && !answered) {
          answered = true
          void fetch(`${match[1]}/carriers`, { headers: { "Trackingmore-Api-Key": "sim-key-1" } })
            .then((response) => response.json() as Promise<{ meta: { code: number } }>)
            .then((body) => {
              expect(body.meta.code).toBe(200)
              expect(out).toContain("keys: sim-key-1")
              expect(out).toContain("/_control/")
              child.kill("SIGTERM")
            })
            .catch((error: unknown) => resume(Effect.fail(error as Error)))
        }
      })
      child.on("close", (code) => {
        expect(answered).toBe(true)
        expect(code).toBe(0)
        resume(Effect.void)
      })
    }), 30_000)

  it.live("a bad flag is one sentence from the simulator's own parser, exit code 2; --help lists its flags", () =>
    Effect.gen(function*() {
      const bad = yield* trackingmore(["sim", "--mode", "sometimes"])
      expect(bad.code).toBe(2)
      oneSentence(bad.stderr)
      expect(bad.stderr).toBe("trackingmore sim: --mode must be always-200 or mirror. See trackingmore sim --help.\n")
      const help = yield* trackingmore(["sim", "--help"])
      expect(help.code).toBe(0)
      expect(lines(help.stdout)).toContain("usage: trackingmore sim [options]")
      for (const flag of ["--port", "--seed", "--time-scale", "--mode", "--faults", "--rate", "--burst", "--control"]) {
        expect(help.stdout).toContain(`  ${flag} `)
      }
      expect(help.stdout).toContain("EXAMPLES")
    }), 30_000)
})
