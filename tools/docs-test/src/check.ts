/**
 * Type-checks extracted code as a consumer of the packages would: each piece its own module file inside this
 * package (so `@trackingmore-effect/*` resolve by name to their built `dist`, through `exports`), strict.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import ts from "typescript"

/** One piece of code to check, and how its lines map back to where it was written. */
export interface Module {
  /** the file name to write it to, relative to the work directory */
  readonly name: string
  readonly text: string
  /** where a 0-based line and column of `text` were written, e.g. `README.md:23:5` */
  readonly origin: (line: number, column: number) => string
}

/**
 * The compiler options: those of a strict consumer on Node — `strict` plus the repository's own stricter
 * flags (`exactOptionalPropertyTypes`, `noUncheckedIndexedAccess`) so that a block compiles for users with or
 * without them; unused declarations are allowed (an example may show a value it does not use).
 */
export const compilerOptions: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  lib: ["lib.es2022.d.ts"],
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  moduleDetection: ts.ModuleDetectionKind.Force,
  strict: true,
  exactOptionalPropertyTypes: true,
  noUncheckedIndexedAccess: true,
  noImplicitOverride: true,
  noFallthroughCasesInSwitch: true,
  skipLibCheck: true,
  types: ["node"],
  noEmit: true
}

/**
 * Writes the modules into `dir` (with a `package.json` making them ES modules) and type-checks them together
 * in one program. Returns, per module name, its diagnostics formatted with their place of origin.
 */
export const typeCheck = (dir: string, modules: ReadonlyArray<Module>): ReadonlyMap<string, ReadonlyArray<string>> => {
  fs.mkdirSync(dir, { recursive: true })
  fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ type: "module", private: true }))
  const byFile = new Map<string, Module>()
  for (const module of modules) {
    const file = path.join(dir, module.name)
    fs.mkdirSync(path.dirname(file), { recursive: true })
    fs.writeFileSync(file, module.text)
    byFile.set(path.resolve(file), module)
  }
  const program = ts.createProgram({ rootNames: [...byFile.keys()], options: compilerOptions })
  const out = new Map<string, Array<string>>(modules.map((module) => [module.name, []]))
  const global: Array<string> = []
  for (const diagnostic of ts.getPreEmitDiagnostics(program)) {
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n    ")
    const file = diagnostic.file
    const module = file === undefined ? undefined : byFile.get(path.resolve(file.fileName))
    if (file === undefined || module === undefined || diagnostic.start === undefined) {
      global.push(`error TS${diagnostic.code}: ${message}` + (file === undefined ? "" : ` (in ${file.fileName})`))
      continue
    }
    const { character, line } = file.getLineAndCharacterOfPosition(diagnostic.start)
    const source = module.text.split("\n")[line]?.trim() ?? ""
    out.get(module.name)!.push(
      `${module.origin(line, character)} error TS${diagnostic.code}: ${message}\n      ${source}`
    )
  }
  // A problem outside every module (a broken option, a missing type library) fails every one of them.
  if (global.length > 0) for (const list of out.values()) list.push(...global)
  return out
}
