/**
 * The fenced code blocks of a Markdown file and the `docs-test` markers that say what the docs test does with
 * each TypeScript block (see this package's README for the convention).
 */

/** One fenced code block. Lines are 1-based, as an editor shows them. */
export interface Fence {
  /** the line of the opening fence */
  readonly line: number
  /** the info string's first word, lower case (`ts`, `sh`, `text`, `` for none) */
  readonly lang: string
  /** the content, with the fence's own indentation removed (blocks inside list items are indented) */
  readonly code: string
  /** the line of the first content line */
  readonly codeLine: number
}

/** What to do with a TypeScript block. */
export type Marker =
  | {
    /** a complete program: type-checked, then run against the simulator; its stdout must be the `text` block after it */
    readonly kind: "run"
    /** simulator options for this block, merged over the defaults */
    readonly simulator: Readonly<Record<string, unknown>>
    /** `redis`: the block needs the Redis at `REDIS_URL` */
    readonly needs: ReadonlyArray<"redis">
    readonly timeoutMs: number | undefined
  }
  | {
    /** a complete program that is type-checked and not run, for the reason given */
    readonly kind: "check-only"
    readonly reason: string
  }
  | {
    /** part of a program: type-checked after the prelude (and, with `after: previous`, the previous block) */
    readonly kind: "fragment"
    /** TypeScript written inside the marker comment, after its first line: declarations the fragment needs */
    readonly prelude: string
    /** the line of the prelude's first line */
    readonly preludeLine: number
    readonly afterPrevious: boolean
  }

/** A TypeScript block with its marker. */
export interface Block extends Fence {
  /** the Markdown file, relative to the repository root */
  readonly file: string
  readonly marker: Marker
  /** the line of the marker comment */
  readonly markerLine: number
  /** for `run`: the `text` block holding the expected output */
  readonly output: Fence | undefined
}

/** Something wrong with the markers or blocks of a file, with its place. */
export interface Problem {
  readonly file: string
  readonly line: number
  readonly message: string
}

/** The result of parsing one Markdown file. */
export interface Parsed {
  readonly blocks: ReadonlyArray<Block>
  readonly problems: ReadonlyArray<Problem>
}

/** The info strings of blocks the docs test type-checks. */
export const typescriptLangs: ReadonlySet<string> = new Set(["ts", "typescript"])

const markerStart = /^\s*<!--\s*docs-test:(.*)$/
const fenceOpen = /^(\s*)(`{3,}|~{3,})\s*([^\s`]*)/
const defaultTimeoutMs = 30_000

interface RawMarker {
  readonly line: number
  readonly header: string
  readonly body: ReadonlyArray<string>
  readonly bodyLine: number
}

const parseDuration = (text: string): number | undefined => {
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s)$/.exec(text.trim())
  if (match === null) return undefined
  return Number(match[1]) * (match[2] === "s" ? 1000 : 1)
}

/** Parses the header (`kind; key: value; …`) and body of a marker comment. */
export const parseMarker = (raw: RawMarker): Marker | string => {
  const [kind = "", ...parts] = raw.header.split(";").map((part) => part.trim())
  const options = new Map<string, string>()
  for (const part of parts) {
    if (part === "") continue
    const colon = part.indexOf(":")
    if (colon <= 0) return `"${part}" is not "key: value"`
    options.set(part.slice(0, colon).trim(), part.slice(colon + 1).trim())
  }
  const allow = (keys: ReadonlyArray<string>): string | undefined => {
    const unknown = [...options.keys()].filter((key) => !keys.includes(key))
    return unknown.length === 0 ? undefined : `unknown option(s) for ${kind}: ${unknown.join(", ")}`
  }
  const hasBody = raw.body.some((line) => line.trim() !== "")
  switch (kind) {
    case "run": {
      const bad = allow(["simulator", "needs", "timeout"])
      if (bad !== undefined) return bad
      if (hasBody) return "a run marker takes no prelude (only fragments do)"
      let simulator: Record<string, unknown> = {}
      const simulatorText = options.get("simulator")
      if (simulatorText !== undefined) {
        try {
          const value: unknown = JSON.parse(simulatorText)
          if (typeof value !== "object" || value === null || Array.isArray(value)) {
            return "simulator: must be a JSON object of simulator options"
          }
          simulator = value as Record<string, unknown>
        } catch (error) {
          return `simulator: is not JSON (${String(error)})`
        }
      }
      const needsText = options.get("needs")
      const needs = needsText === undefined ? [] : needsText.split(",").map((need) => need.trim())
      const unknownNeed = needs.find((need) => need !== "redis")
      if (unknownNeed !== undefined) return `needs: "${unknownNeed}" is not known (only "redis")`
      const timeoutText = options.get("timeout")
      const timeoutMs = timeoutText === undefined ? defaultTimeoutMs : parseDuration(timeoutText)
      if (timeoutMs === undefined) return `timeout: "${timeoutText}" is not a duration such as "20s"`
      return { kind: "run", simulator, needs: needs as ReadonlyArray<"redis">, timeoutMs }
    }
    case "check-only": {
      const bad = allow(["reason"])
      if (bad !== undefined) return bad
      if (hasBody) return "a check-only marker takes no prelude (only fragments do)"
      const reason = options.get("reason") ?? ""
      if (reason === "") return "check-only needs a reason: <!-- docs-test: check-only; reason: … -->"
      return { kind: "check-only", reason }
    }
    case "fragment": {
      const bad = allow(["after"])
      if (bad !== undefined) return bad
      const after = options.get("after")
      if (after !== undefined && after !== "previous") return `after: "${after}" (only "previous" is known)`
      return { kind: "fragment", prelude: raw.body.join("\n"), preludeLine: raw.bodyLine, afterPrevious: after === "previous" }
    }
    default:
      return `unknown kind "${kind}" (run, check-only or fragment)`
  }
}

/**
 * Parses a Markdown text: its fences and its `docs-test` markers. Every TypeScript block must carry a marker
 * right before it (only blank lines between); every marker must be right before a TypeScript block; a `run`
 * block must be followed by a `text` block (prose may come between) holding its expected output.
 */
export const parse = (file: string, text: string): Parsed => {
  const lines = text.split(/\r?\n/)
  const fences: Array<Fence & { readonly marker: RawMarker | undefined }> = []
  const problems: Array<Problem> = []
  let pending: RawMarker | undefined
  let i = 0
  while (i < lines.length) {
    const line = lines[i]!
    const markerMatch = markerStart.exec(line)
    if (markerMatch !== null) {
      if (pending !== undefined) {
        problems.push({ file, line: pending.line, message: "a docs-test marker is not right before a code block" })
      }
      const start = i
      const first = markerMatch[1]!
      let header: string
      const body: Array<string> = []
      if (first.includes("-->")) {
        header = first.slice(0, first.indexOf("-->"))
        if (first.slice(first.indexOf("-->") + 3).trim() !== "") {
          problems.push({ file, line: start + 1, message: "text after a docs-test marker on the same line" })
        }
      } else {
        header = first
        i++
        while (i < lines.length && !lines[i]!.includes("-->")) body.push(lines[i++]!)
        if (i >= lines.length) {
          problems.push({ file, line: start + 1, message: "a docs-test marker comment is never closed (-->)" })
          break
        }
        const last = lines[i]!.slice(0, lines[i]!.indexOf("-->"))
        if (last.trim() !== "") body.push(last)
      }
      pending = { line: start + 1, header: header.trim(), body, bodyLine: start + 2 }
      i++
      continue
    }
    const open = fenceOpen.exec(line)
    if (open !== null) {
      const indent = open[1]!.length
      const fenceChars = open[2]!
      const close = new RegExp(`^\\s*${fenceChars[0] === "`" ? "`" : "~"}{${fenceChars.length},}\\s*$`)
      const content: Array<string> = []
      let j = i + 1
      while (j < lines.length && !close.test(lines[j]!)) {
        const contentLine = lines[j]!
        const strip = Math.min(indent, contentLine.length - contentLine.trimStart().length)
        content.push(contentLine.slice(strip))
        j++
      }
      if (j >= lines.length) problems.push({ file, line: i + 1, message: "a code block is never closed" })
      fences.push({
        line: i + 1,
        lang: open[3]!.toLowerCase(),
        code: content.join("\n"),
        codeLine: i + 2,
        marker: pending
      })
      pending = undefined
      i = j + 1
      continue
    }
    if (pending !== undefined && line.trim() !== "") {
      problems.push({ file, line: pending.line, message: "a docs-test marker is not right before a code block" })
      pending = undefined
    }
    i++
  }
  if (pending !== undefined) {
    problems.push({ file, line: pending.line, message: "a docs-test marker is not right before a code block" })
  }

  const blocks: Array<Block> = []
  fences.forEach((fence, index) => {
    const isTs = typescriptLangs.has(fence.lang)
    if (!isTs) {
      if (fence.marker !== undefined) {
        problems.push({
          file,
          line: fence.marker.line,
          message: `a docs-test marker is on a \`\`\`${fence.lang} block; only \`\`\`ts blocks are checked`
        })
      }
      return
    }
    if (fence.marker === undefined) {
      problems.push({
        file,
        line: fence.line,
        message: "a ```ts block without a docs-test marker: put <!-- docs-test: run -->, " +
          "<!-- docs-test: check-only; reason: … --> or <!-- docs-test: fragment … --> right before it"
      })
      // still type-checked as the complete program it should be
      blocks.push({ ...fence, file, marker: { kind: "check-only", reason: "no marker" }, markerLine: fence.line, output: undefined })
      return
    }
    const marker = parseMarker(fence.marker)
    if (typeof marker === "string") {
      problems.push({ file, line: fence.marker.line, message: `docs-test marker: ${marker}` })
      return
    }
    let output: Fence | undefined
    if (marker.kind === "run") {
      const next = fences[index + 1]
      if (next === undefined || next.lang !== "text") {
        problems.push({
          file,
          line: fence.line,
          message: "a run block needs its expected output in a ```text block after it" +
            (next === undefined ? "" : ` (the next block, line ${next.line}, is \`\`\`${next.lang})`)
        })
        return
      }
      output = { line: next.line, lang: next.lang, code: next.code, codeLine: next.codeLine }
    }
    if (marker.kind === "fragment" && marker.afterPrevious && blocks.length === 0) {
      problems.push({ file, line: fence.marker.line, message: "after: previous, but no ```ts block comes before it" })
      return
    }
    blocks.push({ ...fence, file, marker, markerLine: fence.marker.line, output })
  })
  return { blocks, problems }
}
