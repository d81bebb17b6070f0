/**
 * A timeline as a standalone SVG picture for a design doc: a time axis with ticks, one mark per attempt
 * (green when it succeeded, red when it failed), one bar per wait coloured by its reason, and a legend. No
 * script, no stylesheet, no font file: it opens in any browser and pastes into any doc tool.
 *
 * @since 0.1.0
 */
import * as Decisions from "./Decisions.js"
import type * as Timeline from "./Timeline.js"

/**
 * The colour of each wait reason, and of the attempt marks.
 *
 * @since 0.1.0
 * @category constants
 */
export const colours = {
  backoff: "#e8a33d",
  cooldown: "#d9534f",
  repoll: "#5b8def",
  gate: "#8e6cc9",
  halt: "#333333",
  ok: "#2e9d5b",
  failed: "#c9302c"
} as const

const reasonText: Record<Timeline.WaitReason, string> = {
  backoff: "backoff (Retry)",
  cooldown: "cooldown (429: the whole key)",
  repoll: "re-poll (4031)",
  gate: "waiting at the gate"
}

const escape = (text: string): string =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;")

const niceSteps = [
  1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000,
  900_000, 1_800_000, 3_600_000
]

/**
 * The SVG of a timeline.
 *
 * @since 0.1.0
 * @category rendering
 */
export const render = (timeline: Timeline.Timeline, title: string): string => {
  const width = 960
  const left = 40
  const right = 40
  const plot = width - left - right
  const end = Math.max(
    1,
    timeline.result.at,
    ...timeline.steps.map((s) => s._tag === "Wait" ? s.to : s.at)
  )
  const x = (ms: number) => left + (ms / end) * plot
  const fmt = (n: number) => String(Math.round(n * 100) / 100)

  const attempts = timeline.steps.filter((s): s is Extract<Timeline.Step, { _tag: "Attempt" }> => s._tag === "Attempt")
  const waits = timeline.steps.filter((s): s is Extract<Timeline.Step, { _tag: "Wait" }> => s._tag === "Wait")
  const halts = timeline.steps.filter((s): s is Extract<Timeline.Step, { _tag: "Halt" }> => s._tag === "Halt")

  const titleY = 28
  const attemptsY = 92
  const waitsY = 132
  const axisY = 170
  const legendY = 222
  const height = legendY + 40

  const out: Array<string> = []
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ` +
      `font-family="Helvetica, Arial, sans-serif" font-size="12">`,
    `<title>${escape(title)}</title>`,
    `<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${left}" y="${titleY}" font-size="15" font-weight="bold">${escape(title)}</text>`,
    `<text x="${left}" y="${titleY + 18}" fill="#555555">${escape(summary(timeline))}</text>`
  )

  // waits first, so that the attempt marks are drawn over them
  out.push(`<g id="waits">`)
  for (const wait of waits) {
    const x0 = x(wait.from)
    const w = Math.max(2, x(wait.to) - x0)
    const label = Decisions.formatDuration(wait.to - wait.from)
    out.push(
      `<g class="wait" data-reason="${wait.reason}" data-from-ms="${fmt(wait.from)}" data-to-ms="${fmt(wait.to)}">` +
        `<title>${escape(wait.decision)}</title>` +
        `<rect x="${fmt(x0)}" y="${waitsY - 9}" width="${fmt(w)}" height="18" rx="3" fill="${colours[wait.reason]}"/>` +
        (w >= 8 * label.length
          ? `<text x="${fmt(x0 + w / 2)}" y="${waitsY + 4}" text-anchor="middle" fill="#ffffff">${escape(label)}</text>`
          : "") +
        `</g>`
    )
  }
  out.push(`</g>`)

  out.push(`<g id="attempts">`)
  let previousX = -Infinity
  let raised = false
  for (const attempt of attempts) {
    const cx = x(attempt.at)
    // labels of attempts close together are staggered so that they do not overlap
    raised = cx - previousX < 70 ? !raised : false
    previousX = cx
    const labelY = attemptsY - (raised ? 30 : 16)
    const fill = attempt.ok ? colours.ok : colours.failed
    out.push(
      `<g class="attempt" data-attempt="${attempt.n}" data-at-ms="${fmt(attempt.at)}" data-outcome="${escape(attempt.outcome)}">` +
        `<title>${escape(`attempt ${attempt.n} at ${Decisions.formatDuration(attempt.at)}: ${attempt.outcome} ${attempt.tag}`)}</title>` +
        `<line x1="${fmt(cx)}" y1="${attemptsY}" x2="${fmt(cx)}" y2="${axisY}" stroke="${fill}" stroke-dasharray="2,3"/>` +
        `<circle cx="${fmt(cx)}" cy="${attemptsY}" r="7" fill="${fill}" stroke="#ffffff" stroke-width="1.5"/>` +
        `<text x="${fmt(cx)}" y="${labelY}" text-anchor="middle">#${attempt.n} ${escape(attempt.outcome)}</text>` +
        `</g>`
    )
  }
  for (const halt of halts) {
    const hx = x(halt.at)
    out.push(
      `<g class="halt" data-at-ms="${fmt(halt.at)}"><title>${escape(halt.decision)}</title>` +
        `<rect x="${fmt(hx - 6)}" y="${waitsY - 9}" width="12" height="18" fill="${colours.halt}"/></g>`
    )
  }
  out.push(`</g>`)

  // the axis: a line, ticks at a round step, labels as durations
  const step = niceSteps.find((s) => end / s <= 10) ?? Math.ceil(end / 10)
  out.push(
    `<g id="axis">`,
    `<line class="axis-line" x1="${left}" y1="${axisY}" x2="${left + plot}" y2="${axisY}" stroke="#333333"/>`
  )
  for (let t = 0; t <= end + 1e-9; t += step) {
    const tx = x(t)
    out.push(
      `<g class="tick" data-ms="${fmt(t)}"><line x1="${fmt(tx)}" y1="${axisY}" x2="${fmt(tx)}" y2="${axisY + 6}" stroke="#333333"/>` +
        `<text x="${fmt(tx)}" y="${axisY + 20}" text-anchor="middle" fill="#333333">${escape(t === 0 ? "0" : Decisions.formatDuration(t))}</text></g>`
    )
  }
  out.push(
    `<text x="${left + plot}" y="${axisY + 36}" text-anchor="end" fill="#555555">time since the call started</text>`,
    `</g>`
  )

  // the legend: every reason, and the two kinds of attempt mark
  out.push(`<g id="legend">`)
  let lx = left
  const entry = (kind: string, swatch: string, text: string) => {
    out.push(
      `<g class="legend-entry" data-kind="${kind}">${swatch}` +
        `<text x="${lx + 18}" y="${legendY + 4}">${escape(text)}</text></g>`
    )
    lx += 26 + text.length * 6.5
  }
  entry("ok", `<circle cx="${lx + 6}" cy="${legendY}" r="6" fill="${colours.ok}"/>`, "attempt answered with success")
  entry("failed", `<circle cx="${lx + 6}" cy="${legendY}" r="6" fill="${colours.failed}"/>`, "attempt that failed")
  for (const reason of ["backoff", "cooldown", "repoll", "gate"] as const) {
    entry(reason, `<rect x="${lx}" y="${legendY - 6}" width="12" height="12" rx="2" fill="${colours[reason]}"/>`, reasonText[reason])
  }
  if (halts.length > 0) {
    entry("halt", `<rect x="${lx}" y="${legendY - 6}" width="12" height="12" fill="${colours.halt}"/>`, "key halted")
  }
  out.push(`</g>`, `</svg>`)
  return out.join("\n") + "\n"
}

/**
 * The last line of a timeline, in words.
 *
 * @since 0.1.0
 * @category rendering
 */
export const summary = (timeline: Timeline.Timeline): string => {
  const result = timeline.result
  const at = Decisions.formatDuration(result.at)
  switch (result._tag) {
    case "Succeeded":
      return `Succeeded after ${result.attempts} attempt${result.attempts === 1 ? "" : "s"}, ${at} after the start.`
    case "Failed":
      return `Failed with ${result.tag} (${result.code}) after ${result.attempts} attempt${result.attempts === 1 ? "" : "s"}, ${at} after the start: ${result.why}.`
    case "ScriptEnded":
      return `The script ends after ${result.attempts} answer${result.attempts === 1 ? "" : "s"}, ${at} after the start, and the call would try again: give the next answer to see what follows.`
  }
}
