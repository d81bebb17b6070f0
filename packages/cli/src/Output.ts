/**
 * Text output: colours only when the output is a terminal (and `NO_COLOR` is not set; `FORCE_COLOR` asks for
 * them anyway), tables aligned in columns, and a console that takes colours out of `@effect/cli`'s own help and
 * errors when they are not wanted.
 *
 * @since 0.1.0
 */
import type * as Console from "effect/Console"
import * as Effect from "effect/Effect"

/**
 * Whether colours are wanted on a stream: a terminal, `NO_COLOR` unset or empty (https://no-color.org), and
 * not `TERM=dumb`; `FORCE_COLOR` (not `0`) turns them on for a pipe too, as many tools do.
 *
 * @since 0.1.0
 * @category colours
 */
export const colorsWanted = (
  stream: { readonly isTTY?: boolean | undefined },
  env: Readonly<Record<string, string | undefined>> = process.env
): boolean => {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== "" && env.FORCE_COLOR !== "0") return true
  return stream.isTTY === true && env.TERM !== "dumb"
}

/**
 * Paints text, or leaves it as it is.
 *
 * @since 0.1.0
 * @category colours
 */
export interface Paint {
  readonly enabled: boolean
  readonly bold: (text: string) => string
  readonly dim: (text: string) => string
  readonly red: (text: string) => string
  readonly green: (text: string) => string
  readonly yellow: (text: string) => string
  readonly cyan: (text: string) => string
  readonly magenta: (text: string) => string
}

const sgr = (enabled: boolean, open: number, close: number) => (text: string): string =>
  enabled ? `\x1b[${open}m${text}\x1b[${close}m` : text

/**
 * A painter that paints when `enabled`.
 *
 * @since 0.1.0
 * @category colours
 */
export const paint = (enabled: boolean): Paint => ({
  enabled,
  bold: sgr(enabled, 1, 22),
  dim: sgr(enabled, 2, 22),
  red: sgr(enabled, 31, 39),
  green: sgr(enabled, 32, 39),
  yellow: sgr(enabled, 33, 39),
  cyan: sgr(enabled, 36, 39),
  magenta: sgr(enabled, 35, 39)
})

// eslint-disable-next-line no-control-regex
const ansi = /\x1b\[[0-9;]*m/g

/**
 * Text without its colour codes.
 *
 * @since 0.1.0
 * @category colours
 */
export const plain = (text: string): string => text.replace(ansi, "")

/**
 * The painter of standard output.
 *
 * @since 0.1.0
 * @category colours
 */
export const stdout: Paint = paint(colorsWanted(process.stdout))

/**
 * The painter of standard error.
 *
 * @since 0.1.0
 * @category colours
 */
export const stderr: Paint = paint(colorsWanted(process.stderr))

/**
 * Runs `effect` with a console that removes colour codes from what goes to a stream that wants none
 * (`@effect/cli` colours its help and its errors whatever the stream).
 *
 * @since 0.1.0
 * @category colours
 */
export const withPlainConsole = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.flatMap(Effect.console, (console) => {
    const out = (args: ReadonlyArray<unknown>) =>
      stdout.enabled ? args : args.map((arg) => typeof arg === "string" ? plain(arg) : arg)
    const err = (args: ReadonlyArray<unknown>) =>
      stderr.enabled ? args : args.map((arg) => typeof arg === "string" ? plain(arg) : arg)
    const wrapped: Console.Console = {
      ...console,
      log: (...args) => console.log(...out(args)),
      info: (...args) => console.info(...out(args)),
      error: (...args) => console.error(...err(args)),
      warn: (...args) => console.warn(...err(args))
    }
    return Effect.withConsole(effect, wrapped)
  })

/**
 * Columns aligned on their widest cell (colour codes not counted); the last column is not padded.
 *
 * @since 0.1.0
 * @category tables
 */
export const table = (
  header: ReadonlyArray<string>,
  rows: ReadonlyArray<ReadonlyArray<string>>,
  options: { readonly align?: ReadonlyArray<"left" | "right"> | undefined; readonly paint?: Paint | undefined } = {}
): string => {
  const all = [header, ...rows]
  const widths = header.map((_, column) => Math.max(...all.map((row) => plain(row[column] ?? "").length)))
  const line = (row: ReadonlyArray<string>) =>
    row.map((cell, column) => {
      const pad = widths[column]! - plain(cell).length
      if (column === row.length - 1 && options.align?.[column] !== "right") return cell
      return options.align?.[column] === "right" ? " ".repeat(pad) + cell : cell + " ".repeat(pad)
    }).join("  ").trimEnd()
  const head = line(header)
  return [options.paint === undefined ? head : options.paint.bold(head), ...rows.map(line)].join("\n")
}

/**
 * JSON as the `--json` flags print it: two-space indentation.
 *
 * @since 0.1.0
 * @category json
 */
export const json = (value: unknown): string => JSON.stringify(value, null, 2)

/**
 * The width text is wrapped to: the terminal's, at most 100 columns; 100 for a pipe.
 *
 * @since 0.1.0
 * @category text
 */
export const width = (): number => Math.max(40, Math.min(100, process.stdout.isTTY === true ? process.stdout.columns ?? 100 : 100))

/**
 * Words wrapped to `columns`, every line after the first indented by `indent` spaces (the first by `first`).
 *
 * @since 0.1.0
 * @category text
 */
export const wrap = (text: string, options: { readonly indent?: number; readonly first?: number; readonly columns?: number } = {}): string => {
  const indent = " ".repeat(options.indent ?? 0)
  const columns = options.columns ?? width()
  const lines: Array<string> = []
  let line = " ".repeat(options.first ?? options.indent ?? 0)
  let empty = true
  for (const word of text.split(/\s+/).filter((w) => w.length > 0)) {
    if (!empty && plain(line).length + 1 + plain(word).length > columns) {
      lines.push(line)
      line = indent + word
    } else {
      line = empty ? line + word : `${line} ${word}`
    }
    empty = false
  }
  lines.push(line)
  return lines.join("\n")
}
