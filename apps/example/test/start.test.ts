/**
 * The root `pnpm start`: on a fresh clone it builds the packages the app needs before running it, which takes a
 * while; it must say so and let turbo show each package being built instead of staying silent.
 */
import { describe, expect, it } from "@effect/vitest"
import { execFileSync } from "node:child_process"
import { readFileSync } from "node:fs"

const root = JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as {
  readonly scripts: Readonly<Record<string, string>>
}
const steps = root.scripts["start"]!.split("&&").map((step) => step.trim())

describe("pnpm start (root package.json)", () => {
  it("first says that it is building, in a line of its own", () => {
    expect(steps[0]!.startsWith("echo ")).toBe(true)
    // run as pnpm runs it, by the shell
    expect(execFileSync("sh", ["-c", steps[0]!], { encoding: "utf8" })).toBe(
      "Building the example app and the packages it uses, about a minute the first time...\n"
    )
  })

  it("then builds with turbo showing each package it builds (not only errors), then runs the app", () => {
    const words = steps[1]!.split(/\s+/)
    expect(words.slice(0, 3)).toEqual(["turbo", "run", "build"])
    // new-only: a line per package built (cache hits are one line each); --ui=stream: no full-screen UI
    expect(words.slice(3).sort()).toEqual([
      "--filter=@trackingmore-effect/example...",
      "--output-logs=new-only",
      "--ui=stream"
    ])
    expect(steps.slice(2)).toEqual(["pnpm --filter @trackingmore-effect/example run start"])
  })
})
