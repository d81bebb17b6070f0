/**
 * Progress of an import: a bar redrawn in place on a terminal, plain lines when the output is a pipe or a file,
 * or nothing (tests).
 */

/** The counts the progress shows. */
export interface Counts {
  readonly total: number
  /** Created now or already there. */
  readonly created: number
  /** Created, not final yet. */
  readonly polling: number
  /** How the shipments not final yet are followed (default polling): names them in the text. */
  readonly follow?: "polling" | "webhook" | undefined
  readonly final: number
  readonly failed: number
}

/** Where progress goes. */
export interface Progress {
  /** The counts changed. */
  readonly update: (counts: Counts) => void
  /** A line of text (kept above the bar on a terminal). */
  readonly line: (text: string) => void
  /** The run is over: the bar is drawn one last time and left on its own line. */
  readonly finish: () => void
}

/** Progress that shows nothing. */
export const silent: Progress = { update: () => {}, line: () => {}, finish: () => {} }

const bar = (counts: Counts, width: number): string => {
  const cells = (n: number) => (counts.total === 0 ? 0 : Math.round((n / counts.total) * width))
  const final = cells(counts.final)
  const failed = Math.min(width - final, cells(counts.failed))
  const polling = Math.min(width - final - failed, cells(counts.polling))
  return "█".repeat(final) + "✗".repeat(failed) + "▒".repeat(polling) + "·".repeat(width - final - failed - polling)
}

const text = (counts: Counts): string =>
  `created ${counts.created}/${counts.total}  ${counts.follow === "webhook" ? "awaiting push" : "polling"} ${counts.polling}  final ${counts.final}  failed ${counts.failed}`

/** A bar redrawn in place (`\r` + erase line), at most every `intervalMs`. */
export const terminal = (write: (chunk: string) => void, intervalMs = 80): Progress => {
  let last: Counts | undefined
  let drawnAt = 0
  let drawn = false
  const draw = () => {
    if (last === undefined) return
    write(`\r\x1b[2K[${bar(last, 30)}] ${text(last)}`)
    drawn = true
    drawnAt = Date.now()
  }
  return {
    update: (counts) => {
      last = counts
      if (Date.now() - drawnAt >= intervalMs) draw()
    },
    line: (line) => {
      write(`${drawn ? "\r\x1b[2K" : ""}${line}\n`)
      drawn = false
      draw()
    },
    finish: () => {
      draw()
      if (drawn) write("\n")
      drawn = false
    }
  }
}

/** Plain lines: one when the phase changes and then at most one every `intervalMs` while counts change. */
export const plain = (write: (chunk: string) => void, intervalMs = 1_000): Progress => {
  let last: Counts | undefined
  let printed = ""
  let printedAt = 0
  const print = (force: boolean) => {
    if (last === undefined) return
    const line = text(last)
    if (line === printed) return
    if (!force && Date.now() - printedAt < intervalMs) return
    write(`progress: ${line}\n`)
    printed = line
    printedAt = Date.now()
  }
  return {
    update: (counts) => {
      const phaseChanged = last === undefined || (last.polling === 0) !== (counts.polling === 0)
      last = counts
      print(phaseChanged)
    },
    line: (line) => write(`${line}\n`),
    finish: () => print(true)
  }
}

/** The progress for a stream: a bar on a TTY, lines otherwise. */
export const forStream = (stream: { readonly isTTY?: boolean; write(chunk: string): unknown }): Progress => {
  const write = (chunk: string) => {
    stream.write(chunk)
  }
  return stream.isTTY === true ? terminal(write) : plain(write)
}
