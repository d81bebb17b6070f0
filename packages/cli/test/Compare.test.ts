import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll } from "vitest"
import { lines, oneSentence, trackingmore } from "./utils.js"

const dir = mkdtempSync(join(tmpdir(), "trackingmore-cli-compare-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

interface Report {
  readonly clients: number
  readonly calls: number
  readonly physicalLimitSeconds: number
  readonly rows: ReadonlyArray<{
    readonly policy: string
    readonly calls: number
    readonly tooManyRequests: number
    readonly insideCooldown: number
    readonly failed: number
    readonly completionSeconds: number
    readonly ratio: number
  }>
}

describe.concurrent("trackingmore policy compare", () => {
  it.live("the default policy next to the three naive alternatives, N clients on one key against the simulator", () =>
    Effect.gen(function*() {
      const run = yield* trackingmore(["policy", "compare", "--clients", "3", "--calls", "4", "--faults", "503:0.2", "--time-scale", "0.01", "--json"])
      expect(run.stderr).toBe("")
      expect(run.code).toBe(0)
      const report = JSON.parse(run.stdout) as Report
      expect(report.physicalLimitSeconds).toBe(12)
      expect(report.rows.map((row) => row.policy)).toEqual([
        "default",
        "no jitter",
        "±20% jitter (Schedule.jittered)",
        "no shared cooldown"
      ])
      for (const row of report.rows) {
        // every call was sent at least once, each 503 costs one more
        expect(row.calls).toBeGreaterThanOrEqual(12)
        expect(row.failed).toBe(0)
        expect(row.ratio).toBeGreaterThan(0.5)
        expect(row.ratio).toBeCloseTo(row.completionSeconds / 12, 1)
      }
    }), 60_000)

  it.live("--policy files are compared with each other, as a table", () =>
    Effect.gen(function*() {
      const stubborn = join(dir, "stubborn.json")
      const giveUp = join(dir, "give-up.json")
      writeFileSync(stubborn, JSON.stringify({ serviceUnavailable: { maxRetries: 10 } }))
      writeFileSync(giveUp, JSON.stringify({ serviceUnavailable: { maxRetries: 0 } }))
      const run = yield* trackingmore([
        "policy", "compare", "--clients", "2", "--calls", "4", "--faults", "503:0.3", "--time-scale", "0.01",
        "--policy", stubborn, "--policy", giveUp
      ])
      expect(run.stderr).toBe("")
      expect(run.code).toBe(0)
      const out = lines(run.stdout)
      expect(out[0]).toBe(
        "policy compare: 2 clients × 4 calls on one key (8 calls; physical limit 8s at 1 call/s), faults 503:0.3, time scale 0.01, seed 1"
      )
      expect(out[2]!.split(/\s{2,}/)).toEqual(["POLICY", "CALLS SENT", "429s", "IN COOLDOWN", "FAILED", "COMPLETION", "× LIMIT"])
      const cells = (line: string) => line.trim().split(/\s{2,}/)
      const [first, second] = [cells(out[3]!), cells(out[4]!)]
      expect(first[0]).toBe(stubborn)
      expect(second[0]).toBe(giveUp)
      // never retrying a 503, some calls fail; retrying, none does
      expect(Number(first[4])).toBe(0)
      expect(Number(second[4])).toBeGreaterThan(0)
    }), 60_000)

  it.live("a malformed fault spec and a bad policy file are one sentence each, exit code 2", () =>
    Effect.gen(function*() {
      const faults = yield* trackingmore(["policy", "compare", "--faults", "503:lots"])
      expect(faults.code).toBe(2)
      oneSentence(faults.stderr)
      expect(faults.stderr).toMatch(/^trackingmore policy compare: --faults "503:lots" is not a fault spec: invalid fault spec "503:lots" \(expected kind:rate, kind one of .*\)\.\n$/)
      const bad = join(dir, "bad.json")
      writeFileSync(bad, JSON.stringify({ tooManyRequests: { maxCooldowns: -1 } }))
      const policy = yield* trackingmore(["policy", "compare", "--policy", bad])
      expect(policy.code).toBe(2)
      expect(policy.stderr).toBe(
        `trackingmore policy compare: the policy file ${bad} cannot be used: tooManyRequests.maxCooldowns must be a whole number at least 0, got -1.\n`
      )
    }), 30_000)
})
