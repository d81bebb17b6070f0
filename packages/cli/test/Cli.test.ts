import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { ansi, lines, oneSentence, trackingmore } from "./utils.js"

const commands = [
  ["codes"],
  ["explain"],
  ["policy", "timeline"],
  ["policy", "compare"],
  ["doctor"],
  ["gate", "status"],
  ["gate", "reset"],
  ["gate", "halt"]
] as const

describe.concurrent("trackingmore --help", () => {
  it.live("lists every command", () =>
    Effect.gen(function*() {
      const run = yield* trackingmore(["--help"])
      expect(run.code).toBe(0)
      const usages = lines(run.stdout).filter((line) => line.trim().startsWith("- ")).map((line) => line.trim().split(" ")[1])
      expect(usages).toEqual(["codes", "explain", "policy", "policy", "policy", "doctor", "gate", "gate", "gate", "gate", "sim"])
      expect(run.stdout).toContain("EXIT CODES")
      expect(run.stdout).not.toMatch(ansi)
    }), 30_000)

  for (const path of commands) {
    it.live(`trackingmore ${path.join(" ")} --help: its usage under its full name, and examples`, () =>
      Effect.gen(function*() {
        const run = yield* trackingmore([...path, "--help"])
        expect(run.code).toBe(0)
        expect(run.stderr).toBe("")
        const usage = lines(run.stdout).filter((line) => line.startsWith("$ "))
        expect(usage).toHaveLength(1)
        expect(usage[0]!.startsWith(`$ trackingmore ${path.join(" ")}`)).toBe(true)
        const examples = run.stdout.slice(run.stdout.indexOf("EXAMPLES"))
        expect(examples.length).toBeGreaterThan(20)
        expect(examples).toContain(`trackingmore ${path.join(" ")}`)
        // colours only on a terminal
        expect(run.stdout).not.toMatch(ansi)
      }), 30_000)
  }
})

describe.concurrent("trackingmore: a usage error is one sentence and exit code 2", () => {
  const cases: ReadonlyArray<readonly [string, ReadonlyArray<string>, string]> = [
    [
      "an unknown option",
      ["codes", "--bogus"],
      "trackingmore codes: unknown option '--bogus'. Its options: --category; --json. See trackingmore codes --help.\n"
    ],
    [
      "a near miss",
      ["policy", "timeline", "503", "--sed", "3"],
      "trackingmore policy timeline: unknown option '--sed'. Did you mean --seed or --svg? Its options: --config; --seed; --svg; " +
        "--not-idempotent; --json. See trackingmore policy timeline --help.\n"
    ],
    [
      "an option without its value",
      ["codes", "--category"],
      "trackingmore codes: the option --category is missing its value (e.g. --category billing).\n"
    ],
    [
      "a number that is not one",
      ["policy", "compare", "--clients", "many"],
      "trackingmore policy compare: --clients must be a whole number from 1 to 200, got \"many\".\n"
    ]
  ]
  for (const [what, args, message] of cases) {
    it.live(`${what}: trackingmore ${args.join(" ")}`, () =>
      Effect.gen(function*() {
        const run = yield* trackingmore(args)
        expect({ code: run.code, stdout: run.stdout, stderr: run.stderr }).toEqual({ code: 2, stdout: "", stderr: message })
      }), 30_000)
  }

  it.live("an unknown command and a missing argument, as @effect/cli says them, in one line without colours", () =>
    Effect.gen(function*() {
      const unknown = yield* trackingmore(["bogus"])
      expect(unknown.code).toBe(2)
      expect(unknown.stderr.trim()).toBe(
        "Invalid subcommand for trackingmore - use one of 'codes', 'explain', 'policy', 'doctor', 'gate', 'sim'"
      )
      const missing = yield* trackingmore(["explain"])
      expect(missing.code).toBe(2)
      oneSentence(missing.stderr.trim())
      expect(missing.stderr.trim()).toBe("Missing argument <code|tag>")
      expect(missing.stderr).not.toMatch(ansi)
    }), 30_000)
})

describe.concurrent("colours", () => {
  it.live("none in a pipe; FORCE_COLOR asks for them; NO_COLOR wins", () =>
    Effect.gen(function*() {
      const plain = yield* trackingmore(["explain", "503"])
      expect(plain.stdout).not.toMatch(ansi)
      const forced = yield* trackingmore(["explain", "503"], { FORCE_COLOR: "1" })
      expect(forced.stdout).toMatch(ansi)
      expect(forced.stdout.replace(new RegExp(ansi.source, "g"), "")).toBe(plain.stdout)
      const refused = yield* trackingmore(["explain", "503"], { FORCE_COLOR: "1", NO_COLOR: "1" })
      expect(refused.stdout).toBe(plain.stdout)
    }), 30_000)
})
