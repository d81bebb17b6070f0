/**
 * `codes` and `explain`: core's status-code catalogue with the default decision of each code, and one code or
 * error tag in full.
 *
 * @since 0.1.0
 */
import * as StatusCode from "@trackingmore-effect/core/StatusCode"
import * as TrackingMoreError from "@trackingmore-effect/core/TrackingMoreError"
import * as Advice from "./Advice.js"
import * as Decisions from "./Decisions.js"
import { distance } from "./internal/distance.js"

/**
 * The categories of the catalogue, in the order they first appear.
 *
 * @since 0.1.0
 * @category catalogue
 */
export const categories: ReadonlyArray<StatusCode.Category> = [...new Set(StatusCode.all.map((entry) => entry.category))]

/**
 * One row of `codes`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Row {
  readonly code: number
  readonly tag: string
  readonly category: StatusCode.Category
  readonly type: string
  readonly meaning: string
  /** The default decision in a few words (for a get: calls that may be repeated). */
  readonly decision: string
}

/**
 * The default decision after a code, in a few words; `undefined` for the successes.
 *
 * @since 0.1.0
 * @category catalogue
 */
export const decisionOf = (code: number): string | undefined => {
  if (StatusCode.isSuccess(code)) return undefined
  const error = TrackingMoreError.fromCode(code)
  const safe = Decisions.short(Decisions.sequence(error, { idempotent: true }))
  const write = Decisions.short(Decisions.sequence(error, { idempotent: false }))
  return safe === write ? safe : `${safe} (safe calls); ${write} (other writes)`
}

/**
 * The rows of the catalogue, of one category or all.
 *
 * @since 0.1.0
 * @category catalogue
 */
export const rows = (category?: StatusCode.Category): ReadonlyArray<Row> =>
  StatusCode.all
    .filter((entry) => category === undefined || entry.category === category)
    .map((entry) => ({
      code: entry.code,
      tag: entry.tag,
      category: entry.category,
      type: entry.type,
      meaning: entry.meaning,
      decision: decisionOf(entry.code) ?? "success"
    }))

/** The tags of errors that carry no documented code. */
const otherTags = ["UnknownStatus", "MalformedResponse", "TransportError", "DeadlineExceeded"] as const

type OtherTag = (typeof otherTags)[number]

const otherMeaning: Record<OtherTag, string> = {
  UnknownStatus: "A meta.code that TrackingMore does not document.",
  MalformedResponse: "An answer that cannot be read as a TrackingMore envelope (HTML, empty, cut-off or unexpected JSON, too large).",
  TransportError: "No answer arrived: the connection was reset or refused, the attempt timed out, or the request could not be sent.",
  DeadlineExceeded: "The call's deadline would pass before it could be sent; nothing was sent."
}

// Representative errors of the tags without a code, for asking the policy: each kind that decides differently.
const otherExamples: Record<OtherTag, ReadonlyArray<readonly [string, TrackingMoreError.TrackingMoreError]>> = {
  UnknownStatus: [["any code", TrackingMoreError.fromCode(999)]],
  MalformedResponse: [
    ["lost on the way (empty, HTML, cut-off JSON)", TrackingMoreError.malformed(200, "html", "")],
    ["unreadable with HTTP ≥ 500", TrackingMoreError.malformed(502, "unexpected-shape", "")],
    ["unreadable with HTTP < 500", TrackingMoreError.malformed(200, "unexpected-shape", "")],
    ["larger than maxResponseBytes", TrackingMoreError.malformed(200, "too-large", "")]
  ],
  TransportError: [
    ["reset, refused, timeout", TrackingMoreError.transport("reset", undefined)],
    ["could not be sent (invalid-request)", TrackingMoreError.transport("invalid-request", undefined)]
  ],
  DeadlineExceeded: [["", TrackingMoreError.deadlineExceeded("cooldown", 0)]]
}

/**
 * What `explain` says of one code or tag.
 *
 * @since 0.1.0
 * @category models
 */
export interface Explanation {
  readonly code: number | undefined
  readonly tag: string
  readonly category: string | undefined
  readonly type: string | undefined
  readonly meaning: string
  /** The default decision, per kind of call when safe calls and other writes differ. */
  readonly decision: ReadonlyArray<{ readonly when: string; readonly short: string; readonly sentences: ReadonlyArray<string> }>
  readonly client: string
  readonly you: string
  /** Set when the input is not a documented code. */
  readonly note?: string | undefined
}

const decisionsFor = (
  cases: ReadonlyArray<readonly [string, TrackingMoreError.TrackingMoreError]>
): Explanation["decision"] =>
  cases.flatMap(([when, error]) => {
    const safe = Decisions.sequence(error, { idempotent: true })
    const write = Decisions.sequence(error, { idempotent: false })
    const same = Decisions.short(safe) === Decisions.short(write)
    const prefix = when === "" ? "" : `${when}: `
    return same
      ? [{ when, short: Decisions.short(safe), sentences: Decisions.sentences(safe) }]
      : [
        {
          when: `${prefix}calls safe to repeat (gets, creates)`,
          short: Decisions.short(safe),
          sentences: Decisions.sentences(safe)
        },
        { when: `${prefix}other writes`, short: Decisions.short(write), sentences: Decisions.sentences(write) }
      ]
  })

/**
 * The result of looking an input up: an explanation, or why there is none (with near names to suggest).
 *
 * @since 0.1.0
 * @category models
 */
export type Lookup =
  | { readonly _tag: "Found"; readonly explanation: Explanation }
  | { readonly _tag: "NotFound"; readonly suggestions: ReadonlyArray<string> }

const allTags: ReadonlyArray<string> = [...StatusCode.all.map((entry) => entry.tag), ...otherTags]

/**
 * Explains a code (`4031`) or a tag (`NotRegistered`, any case). A number TrackingMore does not document is
 * explained as what the client makes of it (`UnknownStatus`).
 *
 * @since 0.1.0
 * @category catalogue
 */
export const explain = (input: string): Lookup => {
  const text = input.trim()
  if (/^\d{1,9}$/.test(text)) {
    const code = Number(text)
    const entry = StatusCode.lookup(code)
    if (entry === undefined) {
      const base = explainTag("UnknownStatus")
      return {
        _tag: "Found",
        explanation: {
          ...base,
          code,
          note: `${code} is not in TrackingMore's table of status codes: the client reports it as UnknownStatus.`
        }
      }
    }
    return { _tag: "Found", explanation: explainEntry(entry) }
  }
  const tag = allTags.find((candidate) => candidate.toLowerCase() === text.toLowerCase())
  if (tag !== undefined) {
    const entry = StatusCode.all.find((e) => e.tag === tag)
    return { _tag: "Found", explanation: entry !== undefined ? explainEntry(entry) : explainTag(tag as OtherTag) }
  }
  const lower = text.toLowerCase()
  const suggestions = allTags.filter((candidate) => {
    const c = candidate.toLowerCase()
    return (lower.length >= 3 && c.includes(lower)) || distance(lower, c) <= 2
  })
  return { _tag: "NotFound", suggestions }
}

const explainEntry = (entry: StatusCode.StatusCode): Explanation => {
  const advice = Advice.advice[entry.tag]
  const success = StatusCode.isSuccess(entry.code)
  return {
    code: entry.code,
    tag: entry.tag,
    category: entry.category,
    type: entry.type,
    meaning: entry.meaning,
    decision: success
      ? [{ when: "", short: "success", sentences: ["Nothing to decide: the call succeeded."] }]
      : decisionsFor([["", TrackingMoreError.fromCode(entry.code)]]),
    client: advice.client,
    you: advice.you
  }
}

const explainTag = (tag: OtherTag): Explanation => {
  const advice = Advice.advice[tag]
  return {
    code: undefined,
    tag,
    category: undefined,
    type: undefined,
    meaning: otherMeaning[tag],
    decision: decisionsFor(otherExamples[tag]),
    client: advice.client,
    you: advice.you
  }
}

