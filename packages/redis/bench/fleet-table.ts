/** The fleet benchmark's rows and their markdown table (bench/fleet.ts). */

/** One row of the table: what was run and, unless it was skipped, what came of it. */
export interface Row {
  readonly mode: "redis" | "peer" | "memory"
  readonly n: number
  readonly workload: "createMany" | "create"
  readonly extendPenalty: boolean
  /** real time ÷ the physical limit (a lower bound when `cut`) */
  readonly completion?: number
  readonly cut?: boolean
  readonly requests?: number
  readonly tooMany?: number
  readonly unavailable?: number
  readonly resets?: number
  /** simulated seconds from the first request to the first 429 */
  readonly first429s?: number | undefined
  readonly lost?: number
  readonly onServer?: number
  readonly notSent?: number
  readonly failed?: number
  readonly errors?: ReadonlyArray<string>
  readonly wallS?: number
  /** CPU seconds the workers spent, all together */
  readonly cpuS?: number
  readonly note?: string
}

const fmt = (n: number | undefined, digits = 0) => (n === undefined ? "" : n.toFixed(digits))

/** The targets of issue 15 a row misses: completion ≤ 1.15 × the physical limit, nothing lost, no 429. */
const targets = (row: Row) => {
  if (row.completion === undefined) return ""
  const missed = [
    ...(row.cut || row.completion > 1.15 ? ["time"] : []),
    ...(row.cut || (row.lost ?? 0) > 0 ? ["lost"] : []),
    ...((row.tooMany ?? 0) > 0 ? ["429"] : [])
  ]
  return missed.length === 0 ? "✓" : `✗ ${missed.join(", ")}`
}

/** The rows as a markdown table; `total` is the trackings per row. */
export const table = (rows: ReadonlyArray<Row>, total: number): string => {
  const head = [
    "mode", "N", "workload", "extendPenalty", "completion ÷ physical", "requests", "429s", "1st 429 (sim s)", "503s",
    "resets", "lost", "NotSent / failed", "wall (s)", "CPU (s)", "targets", "note"
  ]
  const lines = rows.map((r) => [
    r.mode,
    String(r.n),
    r.workload,
    r.extendPenalty ? "on" : "off",
    r.completion === undefined ? "" : `${r.cut ? "> " : ""}${fmt(r.completion, 2)}`,
    fmt(r.requests),
    fmt(r.tooMany),
    fmt(r.first429s),
    fmt(r.unavailable),
    fmt(r.resets),
    r.cut ? `(cut: ${r.onServer} of ${total} created)` : fmt(r.lost),
    r.notSent === undefined ? "" : `${r.notSent} / ${r.failed}${(r.errors ?? []).length > 0 ? ` (${r.errors!.join(", ")})` : ""}`,
    fmt(r.wallS, 1),
    fmt(r.cpuS, 1),
    targets(r),
    r.note ?? ""
  ])
  return [head, head.map(() => "---"), ...lines].map((cells) => `| ${cells.join(" | ")} |`).join("\n")
}
