/**
 * Every `@example` in the JSDoc of the packages' sources type-checks as a module of its own, as a consumer
 * would write it (importing the packages by name).
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { typeCheck } from "../src/check.js"
import * as Jsdoc from "../src/jsdoc.js"
import { exampleModule, makeWorkDir, packageSources, repoRoot } from "../src/sources.js"

const sources = packageSources()
const extracted = sources.map((file) => Jsdoc.extract(file, fs.readFileSync(path.join(repoRoot, file), "utf8")))
const examples = extracted.flatMap((result) => result.examples)
const problems = extracted.flatMap((result) => result.problems)
const modules = examples.map((example) => ({ example, module: exampleModule(example) }))

let workDir = ""
let diagnostics: ReadonlyMap<string, ReadonlyArray<string>> = new Map()

beforeAll(() => {
  workDir = makeWorkDir()
  diagnostics = typeCheck(workDir, modules.map(({ module }) => module))
})

afterAll(() => {
  if (workDir !== "") fs.rmSync(workDir, { recursive: true, force: true })
  console.log(`docs-test: ${examples.length} JSDoc @example blocks type-checked in ${sources.length} source files`)
})

describe("the JSDoc @example blocks of packages/*/src", () => {
  it("are found", () => {
    expect(examples.length).toBeGreaterThan(0)
    expect(new Set(examples.map((example) => example.file.split(path.sep)[1]))).toEqual(
      new Set(["client", "core", "promise", "redis", "simulator"])
    )
  })

  it("are all in ```ts fences", () => {
    expect(problems.map((problem) => `${problem.file}:${problem.line}: ${problem.message}`)).toEqual([])
  })
})

describe("every JSDoc @example type-checks", () => {
  it.each(modules.map(({ example, module }) => [`${example.file}:${example.line}`, module.name] as const))(
    "%s",
    (_where, name) => {
      const errors = diagnostics.get(name) ?? [`${name} was not type-checked`]
      if (errors.length > 0) throw new Error(`does not type-check:\n  ${errors.join("\n  ")}`)
    }
  )
})
