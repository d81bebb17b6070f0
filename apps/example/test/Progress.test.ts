import { describe, expect, it } from "@effect/vitest"
import * as Progress from "../src/Progress.js"

const counts = (final: number): Progress.Counts => ({ total: 4, created: 4, polling: 4 - final, final, failed: 0 })

describe("Progress", () => {
  it("redraws one line in place on a terminal", () => {
    const out: Array<string> = []
    const progress = Progress.forStream({ isTTY: true, write: (chunk: string) => out.push(chunk) })
    progress.update(counts(0))
    progress.line("created 4")
    progress.finish()
    const text = out.join("")
    expect(text.startsWith("\r\x1b[2K[")).toBe(true)
    expect(text).toContain("created 4\n")
    expect(text.endsWith("failed 0\n")).toBe(true)
  })

  it("prints plain lines, without escape codes, when not a terminal", () => {
    const out: Array<string> = []
    const progress = Progress.forStream({ isTTY: false, write: (chunk: string) => out.push(chunk) })
    progress.update(counts(0))
    progress.update(counts(4))
    progress.finish()
    expect(out.join("")).not.toContain("\x1b")
    expect(out).toEqual([
      "progress: created 4/4  polling 4  final 0  failed 0\n",
      "progress: created 4/4  polling 0  final 4  failed 0\n"
    ])
  })
})
