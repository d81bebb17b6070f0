/**
 * The end-of-run summary as text: counts, a table by status and by error tag, the 429s and, when embedded, what
 * the simulator saw.
 */
import type { Simulator, Webhooks } from "@trackingmore-effect/simulator"
import type { Summary } from "./Import.js"
import type { ReceiverStats } from "./WebhookReceiver.js"

const table = (title: string, rows: ReadonlyArray<readonly [string, number]>, total: number): Array<string> => {
  const width = Math.max(title.length, ...rows.map(([name]) => name.length), 5)
  const line = `  ${"─".repeat(width)}  ${"─".repeat(6)}  ${"─".repeat(6)}`
  const out = [`  ${title.padEnd(width)}  ${"count".padStart(6)}  ${"share".padStart(6)}`, line]
  if (rows.length === 0) out.push(`  ${"(none)".padEnd(width)}  ${"0".padStart(6)}  ${"".padStart(6)}`)
  for (const [name, count] of rows) {
    const share = total === 0 ? "" : `${((count / total) * 100).toFixed(1)}%`
    out.push(`  ${name.padEnd(width)}  ${String(count).padStart(6)}  ${share.padStart(6)}`)
  }
  return out
}

const sorted = (record: Readonly<Record<string, number>>): Array<readonly [string, number]> =>
  Object.entries(record).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))

/** What a file with a header row and no shipment rows gets instead of a summary. */
export const nothingToImport = (source: string): string =>
  `Nothing to import: ${source} has a header row but no shipment rows.`

/** The summary lines. */
export const summaryLines = (
  summary: Summary,
  source: string,
  counters?: Simulator.Counters | undefined
): Array<string> => {
  // "Imported 0 shipment(s)" and two empty tables would read like a run that went wrong somewhere.
  if (summary.total === 0) return [nothingToImport(source)]
  const lines: Array<string> = []
  lines.push(
    `Imported ${summary.total} shipment(s) from ${source} in ${(summary.elapsedMs / 1000).toFixed(1)} s: ` +
      `${summary.created} created, ${summary.existed} already there, ${summary.final} final, ${summary.failed} failed` +
      // Only when there are some: a run that sent everything reads as before.
      (summary.notSent > 0 ? ` (${summary.notSent} not sent, can be retried).` : ".")
  )
  lines.push("")
  lines.push(...table("final status", sorted(summary.byStatus), summary.total))
  lines.push("")
  lines.push(...table("failed: error tag", sorted(summary.byErrorTag), summary.total))
  lines.push("")
  const { cooldowns, received } = summary.tooManyRequests
  lines.push(
    received === 0
      ? `429 Too Many Requests: none received — the client paced every call to the key's rate limit.`
      : `429 Too Many Requests: ${received} received, ${cooldowns} cooldown(s) waited out, calls resumed afterwards.`
  )
  if (counters !== undefined) {
    const answers: Record<string, number> = {}
    for (const byCode of Object.values(counters.byEndpoint)) {
      for (const [code, n] of Object.entries(byCode)) {
        if (code !== "200" && code !== "201") answers[code] = (answers[code] ?? 0) + n
      }
    }
    const injected = Object.entries(answers).sort((a, b) => b[1] - a[1])
    const list = injected.length === 0 ? "none" : injected.map(([k, n]) => `${k} ×${n}`).join(", ")
    const outcome = summary.failed === 0 ? "all survived by the client" : "see the failures below"
    lines.push(
      `Simulator: ${counters.total} request(s) answered; answers other than 200/201 (faults injected, ${outcome}): ${list}.`
    )
  }
  return lines
}

/** The list calls the simulator answered (polling's calls; 0 when following by webhook). */
export const listCalls = (counters: Simulator.Counters | undefined): number =>
  Object.values(counters?.byEndpoint.list ?? {}).reduce((a, b) => a + b, 0)

/** What `--follow webhook` adds to the summary: deliveries, what the receiver ignored, and the list calls. */
export const webhookLines = (
  stats: ReceiverStats,
  counters: Simulator.Counters | undefined,
  pushes: Webhooks.Counts | undefined
): Array<string> => [
  `Webhook: ${stats.deliveries} deliveries received: ${stats.accepted} accepted, ${stats.repeats} repeats ignored, ` +
  `${stats.outOfOrder} out-of-order ignored, ${stats.refused} refused (bad signature; delivered again later).`,
  ...(pushes === undefined ? [] : [
    `Simulator pushes: ${pushes.deliveries} deliveries in ${pushes.attempts} attempts (${pushes.delivered} accepted, ` +
    `${pushes.pending} pending, ${pushes.failed} given up).`
  ]),
  `List calls for polling: ${listCalls(counters)}.`
]
