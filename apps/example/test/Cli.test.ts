/**
 * `track` as a user runs it: the command line in a child process (the sources through tsx, so the test never
 * runs a stale build) against the embedded simulator, with its exit code and the exact text it prints.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { spawn } from "node:child_process"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll } from "vitest"
import * as Durations from "../src/Durations.js"

const appDir = fileURLToPath(new URL("..", import.meta.url))
const dir = mkdtempSync(join(tmpdir(), "track-cli-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const file = (name: string, text: string): string => {
  const path = join(dir, name)
  writeFileSync(path, text)
  return path
}

const threeShipments = file(
  "three.csv",
  "tracking_number,carrier_code\nRR000000001CN,china-post\n1Z999AA10123456784,ups\n956064241456013,fedex\n"
)

interface Run {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
  readonly seconds: number
}

// The embedded simulator, whatever the environment of the machine running the tests.
const env = Object.fromEntries(
  Object.entries(process.env).filter(([name]) =>
    !["TRACKINGMORE_API_KEY", "TRACKINGMORE_BASE_URL", "REDIS_URL"].includes(name)
  )
)

const track = (...args: Array<string>): Effect.Effect<Run> =>
  Effect.async<Run>((resume) => {
    const started = Date.now()
    const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts", ...args], { cwd: appDir, env })
    let stdout = ""
    let stderr = ""
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk))
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk))
    child.on("close", (code) => resume(Effect.succeed({ code, stdout, stderr, seconds: (Date.now() - started) / 1000 })))
    return Effect.sync(() => child.kill())
  })

// eslint-disable-next-line no-control-regex
const plain = (text: string) => text.replace(/\x1b\[[0-9;]*m/g, "")
const lines = (text: string) => text.split("\n")
const summaryLine = (stdout: string) =>
  lines(stdout).find((line) => line.startsWith("Imported "))?.replace(/ in \d+\.\d s:/, " in T s:")

describe("track import: durations are in one time, simulated with the embedded simulator", () => {
  it.live("--poll-interval \"60 seconds\" is a simulated minute like the default: every shipment ends final", () =>
    Effect.gen(function*() {
      const run = yield* track("import", threeShipments, "--poll-interval", "60 seconds")
      expect(run.stderr).toBe("")
      expect(run.code).toBe(0)
      expect(lines(run.stdout)).toContain("Polling every 1m for at most 4h of simulated time.")
      expect(summaryLine(run.stdout)).toBe(
        `Imported 3 shipment(s) from ${threeShipments} in T s: 3 created, 0 already there, 3 final, 0 failed.`
      )
    }), 60_000)

  it.live("--deadline \"1 minute\" is a simulated minute: the shipments still moving fail with NotFinal at once", () =>
    Effect.gen(function*() {
      const run = yield* track("import", threeShipments, "--deadline", "1 minute", "--poll-interval", "30s")
      expect(run.code).toBe(1)
      expect(lines(run.stdout)).toContain("Polling every 30s for at most 1m of simulated time.")
      expect(summaryLine(run.stdout)).toBe(
        `Imported 3 shipment(s) from ${threeShipments} in T s: 3 created, 0 already there, 0 final, 3 failed.`
      )
      expect(lines(run.stderr.trimEnd())).toEqual([
        "failed: line 2 china-post RR000000001CN: NotFinal: still pending at the poll deadline",
        "failed: line 3 ups 1Z999AA10123456784: NotFinal: still pending at the poll deadline",
        "failed: line 4 fedex 956064241456013: NotFinal: still pending at the poll deadline"
      ])
      // a real minute would have kept it running for one
      expect(run.seconds).toBeLessThan(30)
    }), 60_000)
})

describe("track: a usage error is printed once, in words, with exit code 2", () => {
  const cases: ReadonlyArray<readonly [string, ReadonlyArray<string>, string]> = [
    ["a missing argument", ["import"], "Missing argument <file.csv>\n\n"],
    ["a missing file", ["import", "no-such-file.csv"], "Path 'no-such-file.csv' must exist\n\n"],
    [
      "an unknown flag",
      ["import", "--bogus", "data/shipments.csv"],
      "track import: unknown option '--bogus'. Its options: --poll-interval; --deadline; --follow. See track import --help.\n"
    ],
    [
      "--carrier without a value",
      ["status", "RR123456789CN", "--carrier"],
      "track status: the option --carrier is missing its value (e.g. --carrier ups).\n"
    ],
    [
      "a duration that is not one",
      ["import", "data/shipments.csv", "--poll-interval", "soon"],
      `--poll-interval: "soon" is not a duration of more than zero (e.g. ${Durations.examplesText})\n\n`
    ],
    ["an unknown command", ["bogus"], "Invalid subcommand for track - use one of 'import', 'status'\n\n"]
  ]
  for (const [what, args, message] of cases) {
    it.live(`${what}: track ${args.join(" ")}`, () =>
      Effect.gen(function*() {
        const run = yield* track(...args)
        expect({ code: run.code, stdout: run.stdout, stderr: plain(run.stderr) }).toEqual({
          code: 2,
          stdout: "",
          stderr: message
        })
      }), 30_000)
  }
})

describe("track import: a file without shipments is not a run", () => {
  const cases: ReadonlyArray<readonly [string, string, (path: string) => string]> = [
    ["an empty file", "", (path) => `Cannot import ${path}: the file is empty (it needs a header row and one row per shipment).\n`],
    ["a header-only file", "tracking_number,carrier_code,title\r\n", (path) => `Nothing to import: ${path} has a header row but no shipment rows.\n`],
    [
      "a header without the required columns",
      "number,carrier\n1,2\n",
      (path) => `Cannot import ${path}: the header (line 1) lacks the column(s) tracking_number, carrier_code.\n`
    ]
  ]
  cases.forEach(([what, text, message], index) => {
    it.live(`${what}: exit code 1, one line saying so, nothing imported`, () =>
      Effect.gen(function*() {
        const path = file(`no-shipments-${index}.csv`, text)
        const run = yield* track("import", path)
        expect({ code: run.code, stdout: run.stdout, stderr: run.stderr }).toEqual({
          code: 1,
          stdout: "",
          stderr: message(path)
        })
      }), 30_000)
  })
})

describe("track --help", () => {
  it.live("shows the usage of a subcommand under its full name, `track import`", () =>
    Effect.gen(function*() {
      for (const [args, usage] of [
        [["import", "--help"], "$ track import [--poll-interval duration] [--deadline duration] [--follow polling | webhook] <file.csv>"],
        [["--help", "import"], "$ track import [--poll-interval duration] [--deadline duration] [--follow polling | webhook] <file.csv>"],
        [["status", "-h"], "$ track status [(-c, --carrier code)] <number>"]
      ] as const) {
        const run = yield* track(...args)
        expect(run.code).toBe(0)
        expect(run.stderr).toBe("")
        const help = lines(plain(run.stdout))
        expect(help).toContain(usage)
        expect(help.filter((line) => line.startsWith("$ "))).toEqual([usage])
      }
    }), 30_000)

  it.live("says which time the durations are in, and every duration it shows is accepted", () =>
    Effect.gen(function*() {
      const run = yield* track("import", "--help")
      const help = plain(run.stdout)
      expect(lines(help)).toContain(
        "Every duration, given or default, is real time against the API (TRACKINGMORE_API_KEY set) and simulated " +
          "time with the embedded simulator, where one simulated minute lasts 120 ms. Write them like " +
          `${Durations.examplesText}.`
      )
      const quoted = [...help.matchAll(/"([^"]+)"/g)].map((match) => match[1]!)
      const defaults = [...help.matchAll(/default: (\S+) against the API, (\S+) of simulated time/g)]
        .flatMap((match) => [match[1]!, match[2]!])
      expect(new Set(quoted)).toEqual(new Set(Durations.examples))
      expect(defaults).toEqual(["5m", "1m", "6h", "4h"])
      for (const shown of [...quoted, ...defaults]) expect([shown, Option.isSome(Durations.parse(shown))]).toEqual([shown, true])
    }), 30_000)
})
