/**
 * Where the docs are (the READMEs, the JSDoc of the packages' sources) and how each piece becomes a module.
 */
import { randomBytes } from "node:crypto"
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import type { Module } from "./check.js"
import type * as Jsdoc from "./jsdoc.js"
import type * as Markdown from "./markdown.js"

/** This package's directory. */
export const packageDir: string = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..")

/** The repository root. */
export const repoRoot: string = path.resolve(packageDir, "../..")

/**
 * A fresh directory for this process's extracted files. It lives inside this package so that the
 * workspace packages resolve by name from it, under `node_modules/.cache` so that git and ESLint ignore it.
 */
export const makeWorkDir = (): string => {
  const dir = path.join(packageDir, "node_modules", ".cache", "docs-test", `${process.pid}-${randomBytes(3).toString("hex")}`)
  fs.mkdirSync(dir, { recursive: true })
  return dir
}

const workspaceFolders = ["packages", "apps", "tools"]

/** Every README of the repository: the root's and those of the workspace packages, relative to the root. */
export const readmes = (root: string = repoRoot): ReadonlyArray<string> => {
  const found = ["README.md"]
  for (const folder of workspaceFolders) {
    const dir = path.join(root, folder)
    if (!fs.existsSync(dir)) continue
    for (const name of fs.readdirSync(dir).sort()) {
      const readme = path.join(folder, name, "README.md")
      if (fs.existsSync(path.join(root, readme))) found.push(readme)
    }
  }
  return found
}

/** Every TypeScript source file of the published packages (`packages/*\/src/**`), relative to the root. */
export const packageSources = (root: string = repoRoot): ReadonlyArray<string> => {
  const found: Array<string> = []
  const walk = (relative: string) => {
    for (const entry of fs.readdirSync(path.join(root, relative), { withFileTypes: true })) {
      const child = path.join(relative, entry.name)
      if (entry.isDirectory()) walk(child)
      else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts")) found.push(child)
    }
  }
  for (const name of fs.readdirSync(path.join(root, "packages")).sort()) {
    if (fs.existsSync(path.join(root, "packages", name, "src"))) walk(path.join("packages", name, "src"))
  }
  return found.sort()
}

/** `packages/client/README.md` and 17 → `packages-client-README-L17.ts` */
const moduleName = (folder: string, file: string, line: number): string =>
  `${folder}/${file.replace(/\.[^./]+$/, "").replace(/[^A-Za-z0-9]+/g, "-")}-L${line}.ts`

interface Segment {
  readonly text: string
  /** where its first line was written, e.g. `README.md` and 23 */
  readonly file: string
  readonly line: number
  /** how its lines are named in messages, e.g. `(prelude of the marker)` */
  readonly label?: string
}

/** Joins segments into one module text whose every line maps back to its file and line. */
const assemble = (name: string, segments: ReadonlyArray<Segment>): Module => {
  const starts: Array<{ readonly from: number; readonly segment: Segment }> = []
  const texts: Array<string> = []
  let from = 0
  for (const segment of segments) {
    starts.push({ from, segment })
    texts.push(segment.text)
    from += segment.text.split("\n").length
  }
  return {
    name,
    text: texts.join("\n") + "\n",
    origin: (line, column) => {
      let found = starts[0]!
      for (const start of starts) if (start.from <= line) found = start
      const where = `${found.segment.file}:${found.segment.line + line - found.from}:${column + 1}`
      return found.segment.label === undefined ? where : `${where} ${found.segment.label}`
    }
  }
}

/** The segments of a README block: its own code, after its prelude and (for `after: previous`) the block before. */
const segmentsOf = (block: Markdown.Block, previous: Markdown.Block | undefined): ReadonlyArray<Segment> => {
  const own: Segment = { text: block.code, file: block.file, line: block.codeLine }
  if (block.marker.kind !== "fragment") return [own]
  const before = block.marker.afterPrevious && previous !== undefined
    ? segmentsOf(previous, undefined).map((segment) => ({ ...segment, label: segment.label ?? "(the block before)" }))
    : []
  const prelude: ReadonlyArray<Segment> = block.marker.prelude.trim() === ""
    ? []
    : [{ text: block.marker.prelude, file: block.file, line: block.marker.preludeLine, label: "(prelude in the marker)" }]
  return [...before, ...prelude, own]
}

/** The module of each README block, in order; `after: previous` takes the TypeScript block before it in its file. */
export const readmeModules = (blocks: ReadonlyArray<Markdown.Block>): ReadonlyArray<{ readonly block: Markdown.Block; readonly module: Module }> =>
  blocks.map((block, index) => {
    const previous = index > 0 && blocks[index - 1]!.file === block.file ? blocks[index - 1] : undefined
    return { block, module: assemble(moduleName("readme", block.file, block.line), segmentsOf(block, previous)) }
  })

/** The module of one JSDoc example. */
export const exampleModule = (example: Jsdoc.Example): Module =>
  assemble(moduleName("jsdoc", example.file, example.line), [{ text: example.code, file: example.file, line: example.codeLine }])
