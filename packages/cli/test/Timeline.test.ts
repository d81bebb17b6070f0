import { describe, expect, it } from "@effect/vitest"
import { DOMParser } from "@xmldom/xmldom"
import * as Effect from "effect/Effect"
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll } from "vitest"
import { lines, oneSentence, trackingmore } from "./utils.js"

const dir = mkdtempSync(join(tmpdir(), "trackingmore-cli-timeline-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const file = (name: string, text: string) => {
  const path = join(dir, name)
  writeFileSync(path, text)
  return path
}

interface TimelineJson {
  readonly steps: ReadonlyArray<
    | { readonly _tag: "Attempt"; readonly n: number; readonly at: number; readonly outcome: string; readonly tag: string; readonly ok: boolean }
    | { readonly _tag: "Wait"; readonly reason: string; readonly from: number; readonly to: number; readonly decision: string }
    | { readonly _tag: "Halt"; readonly at: number; readonly decision: string }
  >
  readonly result: { readonly _tag: string; readonly at: number; readonly attempts: number; readonly why?: string }
  readonly summary: string
}

const timeline = (...args: ReadonlyArray<string>) =>
  Effect.map(trackingmore(["policy", "timeline", ...args, "--json"]), (run) => {
    expect(run.stderr).toBe("")
    expect(run.code).toBe(0)
    return JSON.parse(run.stdout) as TimelineJson
  })

describe.concurrent("trackingmore policy timeline", () => {
  it.live("503 503 429 200: core's Retry on a virtual clock, every attempt, decision and wait with its time", () =>
    Effect.gen(function*() {
      const run = yield* trackingmore(["policy", "timeline", "503", "503", "429", "200"])
      expect(run.code).toBe(0)
      expect(run.stderr).toBe("")
      const out = lines(run.stdout)
      expect(out[0]).toBe("policy timeline 503 503 429 200 (the default policy, seed 1, a call safe to repeat)")
      expect(out[2]).toMatch(/^\s+TIME {2}ATTEMPT \/ DECISION$/)
      const attempts = out.filter((line) => / #\d /.test(line))
      expect(attempts.map((line) => line.replace(/^\s*\S+( \S+)?\s+#/, "#"))).toEqual([
        "#1 503 ServiceUnavailable",
        "#2 503 ServiceUnavailable",
        "#3 429 TooManyRequests",
        "#4 200 Success"
      ])
      const decisions = out.filter((line) => line.includes("↳"))
      expect(decisions).toHaveLength(3)
      expect(decisions[0]).toMatch(/↳ Retry: back off \S+ \(full jitter in \[0, 1s\]\)$/)
      expect(decisions[1]).toMatch(/↳ Retry: back off \S+ \(full jitter in \[0, 2s\]\)$/)
      expect(decisions[2]).toMatch(/↳ Cooldown: the whole key cools for 2m, then this call probes$/)
      expect(out.at(-1)).toMatch(/^Succeeded after 4 attempts, 2m \d+(\.\d+)?s after the start\.$/)
    }), 30_000)

  it.live("the times are those of the policy: the jitter within its window, the cooldown exactly two minutes", () =>
    Effect.gen(function*() {
      const t = yield* timeline("503", "503", "429", "200")
      const attempts = t.steps.filter((s) => s._tag === "Attempt")
      const waits = t.steps.filter((s) => s._tag === "Wait")
      expect(attempts.map((a) => a.at)[0]).toBe(0)
      expect(waits.map((w) => w._tag === "Wait" && w.reason)).toEqual(["backoff", "backoff", "cooldown"])
      const [first, second, cooldown] = waits as ReadonlyArray<Extract<TimelineJson["steps"][number], { _tag: "Wait" }>>
      expect(first!.to - first!.from).toBeLessThanOrEqual(1000)
      expect(second!.to - second!.from).toBeLessThanOrEqual(2000)
      expect(cooldown!.to - cooldown!.from).toBe(120_000)
      // each attempt starts when the wait before it ends
      expect(attempts.slice(1).map((a) => a._tag === "Attempt" && a.at)).toEqual(waits.map((w) => w._tag === "Wait" && w.to))
      expect(t.result).toEqual({ _tag: "Succeeded", at: cooldown!.to, attempts: 4 })
    }), 30_000)

  it.live("the same seed draws the same delays, another seed others", () =>
    Effect.gen(function*() {
      const a = yield* timeline("503", "503", "503", "200", "--seed", "7")
      const b = yield* timeline("503", "503", "503", "200", "--seed", "7")
      const c = yield* timeline("503", "503", "503", "200", "--seed", "8")
      expect(a.steps).toEqual(b.steps)
      expect(a.steps).not.toEqual(c.steps)
    }), 30_000)

  it.live("how a call ends: the policy gives up, halts the key, refuses a call not safe to repeat, or the script ends", () =>
    Effect.gen(function*() {
      const many = yield* timeline("503", "503", "503", "503", "503", "503", "503", "200")
      expect(many.result).toMatchObject({ _tag: "Failed", attempts: 7, why: "the policy gives up: 6 retries taken, serviceUnavailable.maxRetries is 6" })
      const halted = yield* timeline("4019", "200")
      expect(halted.result).toMatchObject({ _tag: "Failed", attempts: 1, why: "the policy halts the key for 10m and fails the call" })
      expect(halted.steps.map((s) => s._tag)).toEqual(["Attempt", "Halt"])
      const write = yield* timeline("500", "200", "--not-idempotent")
      expect(write.result).toMatchObject({ why: "the policy does not retry ServerError for a call that is not safe to repeat" })
      const short = yield* timeline("503", "reset")
      expect(short.result._tag).toBe("ScriptEnded")
      expect(short.summary).toMatch(/^The script ends after 2 answers, .* give the next answer to see what follows\.$/)
    }), 60_000)

  it.live("--config takes Policy.config's overrides; a bad file is one sentence naming the field", () =>
    Effect.gen(function*() {
      const patient = file("patient.json", JSON.stringify({ tooManyRequests: { wait: "30 seconds" }, serviceUnavailable: { maxRetries: 1 } }))
      const t = yield* timeline("429", "503", "503", "200", "--config", patient)
      const cooldown = t.steps.find((s) => s._tag === "Wait" && s.reason === "cooldown")
      expect(cooldown?._tag === "Wait" && cooldown.to - cooldown.from).toBe(30_000)
      expect(t.result).toMatchObject({ _tag: "Failed", attempts: 3, why: "the policy gives up: 1 retries taken, serviceUnavailable.maxRetries is 1" })

      const bad = file("bad.json", JSON.stringify({ serviceUnavailable: { base: "soon" } }))
      const refused = yield* trackingmore(["policy", "timeline", "503", "--config", bad])
      expect(refused.code).toBe(2)
      oneSentence(refused.stderr)
      expect(refused.stderr).toBe(
        `trackingmore policy timeline: the policy file ${bad} cannot be used: serviceUnavailable.base must be a duration ` +
          "such as \"30 seconds\" or a number of milliseconds, got \"soon\".\n"
      )
      const typo = yield* trackingmore(["policy", "timeline", "503", "--config", file("typo.json", "{\"deadlien\": 1}")])
      expect(typo.code).toBe(2)
      expect(typo.stderr).toContain("deadlien is not an option (known: tooManyRequests")
      const notJson = yield* trackingmore(["policy", "timeline", "503", "--config", file("broken.json", "{ deadline: ")])
      expect(notJson.code).toBe(2)
      oneSentence(notJson.stderr)
      expect(notJson.stderr).toMatch(/^trackingmore policy timeline: the policy file .*broken\.json is not JSON \(/)
      const missing = yield* trackingmore(["policy", "timeline", "503", "--config", join(dir, "none.json")])
      expect(missing.stderr).toBe(`trackingmore policy timeline: cannot read the policy file ${join(dir, "none.json")} (there is no such file).\n`)
    }), 60_000)

  it.live("an answer that is not one is one sentence, exit code 2", () =>
    Effect.gen(function*() {
      const run = yield* trackingmore(["policy", "timeline", "503", "later"])
      expect(run.code).toBe(2)
      expect(run.stdout).toBe("")
      oneSentence(run.stderr)
      expect(run.stderr).toBe(
        "trackingmore policy timeline: \"later\" is not an answer: give a status code (503, 200), an error tag " +
          "(ServiceUnavailable) or a fault (reset, refused, timeout, html, empty, truncated).\n"
      )
    }), 30_000)

  it.live("--svg draws a standalone picture: a time axis, one mark per attempt, wait bars coloured by reason, a legend", () =>
    Effect.gen(function*() {
      const out = join(dir, "timeline.svg")
      const run = yield* trackingmore(["policy", "timeline", "503", "reset", "429", "4031", "200", "--svg", out])
      expect(run.code).toBe(0)
      expect(lines(run.stdout).at(-1)).toBe(`The picture is in ${out}.`)
      const errors: Array<string> = []
      const doc = new DOMParser({ onError: (level, message) => errors.push(`${level}: ${message}`) })
        .parseFromString(readFileSync(out, "utf8"), "image/svg+xml")
      expect(errors).toEqual([])
      const svg = doc.documentElement!
      expect(svg.tagName).toBe("svg")
      expect(svg.getAttribute("xmlns")).toBe("http://www.w3.org/2000/svg")
      expect(svg.getAttribute("viewBox")).toMatch(/^0 0 \d+ \d+$/)
      // standalone: no script, no external reference
      expect(svg.getElementsByTagName("script").length).toBe(0)
      expect(readFileSync(out, "utf8")).not.toMatch(/href=|url\(/)

      const groups = (className: string) =>
        Array.from(svg.getElementsByTagName("g")).filter((g) => (g.getAttribute("class") ?? "").split(" ").includes(className))
      const byId = (id: string) => Array.from(svg.getElementsByTagName("g")).find((g) => g.getAttribute("id") === id)!

      const axis = byId("axis")
      expect(axis.getElementsByTagName("line").length).toBeGreaterThan(2)
      const ticks = groups("tick")
      expect(ticks.length).toBeGreaterThanOrEqual(2)
      expect(ticks[0]!.getAttribute("data-ms")).toBe("0")

      const attempts = groups("attempt")
      expect(attempts.map((a) => [a.getAttribute("data-attempt"), a.getAttribute("data-outcome")])).toEqual([
        ["1", "503"], ["2", "reset"], ["3", "429"], ["4", "4031"], ["5", "200"]
      ])
      for (const a of attempts) expect(a.getElementsByTagName("circle").length).toBe(1)
      const xs = attempts.map((a) => Number(a.getElementsByTagName("circle")[0]!.getAttribute("cx")))
      expect([...xs].sort((p, q) => p - q)).toEqual(xs)

      const legend = byId("legend")
      const swatch = new Map(
        Array.from(legend.getElementsByTagName("g")).map((entry) => [
          entry.getAttribute("data-kind"),
          (entry.getElementsByTagName("rect")[0] ?? entry.getElementsByTagName("circle")[0])!.getAttribute("fill")
        ])
      )
      expect([...swatch.keys()]).toEqual(["ok", "failed", "backoff", "cooldown", "repoll", "gate"])
      const waits = groups("wait")
      expect(waits.map((w) => w.getAttribute("data-reason"))).toEqual(["backoff", "backoff", "cooldown", "repoll"])
      for (const w of waits) {
        const bar = w.getElementsByTagName("rect")[0]!
        expect(bar.getAttribute("fill")).toBe(swatch.get(w.getAttribute("data-reason")))
        expect(Number(bar.getAttribute("width"))).toBeGreaterThan(0)
      }
      expect(attempts.map((a) => a.getElementsByTagName("circle")[0]!.getAttribute("fill"))).toEqual([
        swatch.get("failed"), swatch.get("failed"), swatch.get("failed"), swatch.get("failed"), swatch.get("ok")
      ])
    }), 30_000)
})
