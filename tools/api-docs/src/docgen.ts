/**
 * Runs `@effect/docgen` in one package directory and reads what it found.
 *
 * docgen parses `src` (a missing `@since` on an export fails it), writes each `@example` to `docs/examples`
 * with the package's own imports rewritten to `../../src`, type-checks them with `tsc`, then runs them with
 * `tsx`, and writes the reference to `docs/modules`. It has one switch for the examples, `runExamples`, which
 * turns the type-check off together with the run; so the `tsx` it finds first on its `PATH` is `bin/tsx` of
 * this package, which does nothing: our examples are type-checked, not run (see the README).
 */
import { spawn } from "node:child_process"
import * as fs from "node:fs"
import { createRequire } from "node:module"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

/** This package's directory. */
export const toolDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..")

/** The repository's root. */
export const repoRoot = path.resolve(toolDir, "../..")

/**
 * The packages with a reference: those whose `src` modules are their API. The cli's only API is its command
 * line (it exports nothing but `./package.json`), so it has none.
 */
export const packages = ["core", "client", "promise", "redis", "simulator"] as const

/** What one docgen run found. */
export interface Result {
  readonly ok: boolean
  /** The modules docgen read (`src/**` less the `exclude` of the package's `docgen.json`). */
  readonly modules: number
  /** The `@example`s it type-checked; 0 when parsing failed before it got to them. */
  readonly examples: number
  /**
   * What failed, one line each: `Missing @since tag in src/Gate.ts#layer documentation`, or a `tsc` error
   * placed at its example, e.g. `src/Policy.ts: @example 1 of schedule (function), line 4:30: error TS2304: …`.
   */
  readonly findings: ReadonlyArray<string>
  /** docgen's whole output, colourless, for a failure's message. */
  readonly output: string
}

const docgenBin = createRequire(import.meta.url).resolve("@effect/docgen")

// ANSI colour codes (docgen colours its messages with chalk even when asked not to in some terminals).
// eslint-disable-next-line no-control-regex
const ansi = /\u001b\[[0-9;]*m/g

// docgen names an example's file after where it comes from: `src-Policy.ts-function-schedule-0.ts`.
const exampleFile = /^docs\/examples\/src-(.+?\.ts)-(.+)-([^-]+)-(\d+)\.ts\((\d+),(\d+)\): (.*)$/

/** A `tsc` line placed at the example it is about, or left as it is. */
const placeExampleError = (line: string): string => {
  const match = exampleFile.exec(line)
  if (match === null) return line
  const [, module, kind, name, index, row, column, message] = match
  return `src/${module}: @example ${Number(index) + 1} of ${name} (${kind}), line ${row}:${column}: ${message}`
}

/** The lines of docgen's error, without its header and its stack. */
export const findingsOf = (output: string): ReadonlyArray<string> => {
  const lines = output.split("\n")
  const start = lines.findIndex((line) => line.includes("DocgenError:"))
  if (start === -1) return []
  const findings: Array<string> = []
  const header = lines[start]!.slice(lines[start]!.indexOf("DocgenError:") + "DocgenError:".length).trim()
  // A header ending in ":" introduces the list; otherwise it is the finding itself.
  if (!header.endsWith(":")) findings.push(header)
  for (const line of lines.slice(start + 1)) {
    if (/^\s+at /.test(line)) break
    const text = line.trim()
    if (text !== "") findings.push(placeExampleError(text))
  }
  return findings
}

const counted = (output: string, what: string): number => {
  const match = new RegExp(`(\\d+) ${what}\\(s\\) found`).exec(output)
  return match === null ? 0 : Number(match[1])
}

/** Runs docgen in `dir` (which holds a `package.json` and a `docgen.json`). */
export const runDocgen = (dir: string): Promise<Result> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [docgenBin], {
      cwd: dir,
      env: {
        ...process.env,
        PATH: [path.join(toolDir, "bin"), path.join(toolDir, "node_modules", ".bin"), process.env.PATH ?? ""].join(
          path.delimiter
        ),
        FORCE_COLOR: "0",
        NO_COLOR: "1"
      },
      stdio: ["ignore", "pipe", "pipe"]
    })
    let output = ""
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")))
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")))
    child.on("error", reject)
    child.on("close", (code) => {
      // docgen removes its examples when it succeeds and leaves them when it fails; they are not sources to lint.
      fs.rmSync(path.join(dir, "docs", "examples"), { recursive: true, force: true })
      const text = output.replace(ansi, "")
      resolve({
        ok: code === 0,
        modules: counted(text, "module"),
        examples: counted(text, "example"),
        findings: code === 0 ? [] : findingsOf(text),
        output: text
      })
    })
  })
