import { describe, expect, it } from "@effect/vitest"
import * as Policy from "@trackingmore-effect/core/Policy"
import * as StatusCode from "@trackingmore-effect/core/StatusCode"
import * as Effect from "effect/Effect"
import { lines, oneSentence, trackingmore } from "./utils.js"

describe.concurrent("trackingmore codes", () => {
  it.live("lists every code of core's catalogue with its tag, category and default decision", () =>
    Effect.gen(function*() {
      const run = yield* trackingmore(["codes"])
      expect(run.code).toBe(0)
      expect(run.stderr).toBe("")
      const [header, ...rows] = lines(run.stdout)
      expect(header!.split(/\s{2,}/)).toEqual(["CODE", "TAG", "CATEGORY", "DEFAULT DECISION"])
      expect(rows.map((row) => Number(row.trim().split(/\s+/)[0]))).toEqual(StatusCode.all.map((entry) => entry.code))
      expect(rows).toContain(" 429  TooManyRequests         rate-limit       cool the key 2m, then retry (×5)")
      expect(rows).toContain(" 503  ServiceUnavailable      unavailable      retry ×6, full jitter up to 1s, 2s, 4s, 8s, 16s, 30s")
      expect(rows).toContain(
        " 500  ServerError             server           retry ×3, full jitter up to 500ms, 1s, 2s (safe calls); fail at once (other writes)"
      )
      expect(rows).toContain("4001  InvalidApiKey           auth             halt the key until reset")
      expect(rows).toContain("4021  QuotaExhausted          billing          halt the key for 10m")
      expect(rows).toContain("4031  NotRegistered           not-registered   get again every 2s (×5)")
    }), 30_000)

  it.live("--category keeps one category; --json prints the rows with their meaning", () =>
    Effect.gen(function*() {
      const run = yield* trackingmore(["codes", "--category", "billing", "--json"])
      expect(run.code).toBe(0)
      const rows = JSON.parse(run.stdout) as ReadonlyArray<{ code: number; tag: string; meaning: string; decision: string }>
      expect(rows.map((row) => row.code)).toEqual([4019, 4021, 402])
      expect(rows[0]).toEqual({
        code: 4019,
        tag: "InsufficientBalance",
        category: "billing",
        type: "Bad Request",
        meaning: StatusCode.lookup(4019)!.meaning,
        decision: "halt the key for 10m"
      })
    }), 30_000)

  it.live("an unknown category is one sentence naming the categories, exit code 2", () =>
    Effect.gen(function*() {
      const run = yield* trackingmore(["codes", "--category", "money"])
      expect(run.code).toBe(2)
      expect(run.stdout).toBe("")
      oneSentence(run.stderr)
      expect(run.stderr).toBe(
        "trackingmore codes: there is no category \"money\"; the categories are success, limit, auth, invalid-request, " +
          "conflict, not-found, billing, not-registered, rate-limit, server, unavailable.\n"
      )
    }), 30_000)
})

describe.concurrent("trackingmore explain", () => {
  it.live("explain 429: meaning, category, the decision with its numbers, what the client does, what to do", () =>
    Effect.gen(function*() {
      const run = yield* trackingmore(["explain", "429"])
      expect(run.code).toBe(0)
      expect(run.stderr).toBe("")
      const text = run.stdout.replace(/\s+/g, " ")
      expect(lines(run.stdout)[0]).toBe("429 · TooManyRequests · rate-limit · Too Many Requests")
      expect(text).toContain(StatusCode.lookup(429)!.meaning)
      expect(text).toContain("Default decision: cool the key 2m, then retry (×5)")
      expect(text).toContain("at most 5 cooldowns per call")
      expect(text).toContain("All waits end within the call's deadline (10m)")
      expect(text).toContain("What the client does: Cools the whole API key for every caller")
      expect(text).toContain("What you should do: Nothing for an occasional 429.")
    }), 30_000)

  it.live("a tag in any case; the numbers follow the policy's defaults, per kind of call where they differ", () =>
    Effect.gen(function*() {
      const run = yield* trackingmore(["explain", "servererror", "--json"])
      expect(run.code).toBe(0)
      const explained = JSON.parse(run.stdout) as {
        code: number
        tag: string
        decision: ReadonlyArray<{ when: string; short: string; sentences: ReadonlyArray<string> }>
      }
      expect(explained.code).toBe(500)
      expect(explained.tag).toBe("ServerError")
      expect(explained.decision.map((d) => [d.when, d.short])).toEqual([
        ["calls safe to repeat (gets, creates)", "retry ×3, full jitter up to 500ms, 1s, 2s"],
        ["other writes", "fail at once"]
      ])
      expect(explained.decision[0]!.sentences[0]).toBe(
        `Retry up to ${Policy.defaults.serverError.maxRetries} times with full jitter: before retry n (from 0) wait a random ` +
          "time in [0, min(10s, 500ms·2ⁿ)], a Retry-After header as its floor."
      )
    }), 30_000)

  it.live("errors without a code, and codes TrackingMore does not document, are explained too", () =>
    Effect.gen(function*() {
      const transport = yield* trackingmore(["explain", "TransportError", "--json"])
      expect(transport.code).toBe(0)
      const t = JSON.parse(transport.stdout) as { code: unknown; decision: ReadonlyArray<{ when: string; short: string }> }
      expect(t.code).toBeUndefined()
      expect(t.decision.map((d) => [d.when, d.short])).toEqual([
        ["reset, refused, timeout: calls safe to repeat (gets, creates)", "retry ×3, full jitter up to 500ms, 1s, 2s"],
        ["reset, refused, timeout: other writes", "fail at once"],
        ["could not be sent (invalid-request)", "fail at once"]
      ])
      const unknown = yield* trackingmore(["explain", "4999"])
      expect(unknown.code).toBe(0)
      expect(lines(unknown.stdout).slice(0, 2)).toEqual([
        "4999 · UnknownStatus",
        "4999 is not in TrackingMore's table of status codes: the client reports it as UnknownStatus."
      ])
      expect(unknown.stdout).toContain("Default decision: fail at once")
    }), 30_000)

  it.live("a word that is neither a code nor a tag is one sentence, with near tags, exit code 2", () =>
    Effect.gen(function*() {
      const run = yield* trackingmore(["explain", "TooManyRequest"])
      expect(run.code).toBe(2)
      expect(run.stdout).toBe("")
      oneSentence(run.stderr)
      expect(run.stderr).toBe(
        "trackingmore explain: \"TooManyRequest\" is neither a status code nor an error tag. Did you mean " +
          "TooManyRequests? `trackingmore codes` lists them.\n"
      )
    }), 30_000)
})
