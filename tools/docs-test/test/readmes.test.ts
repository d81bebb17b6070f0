/**
 * The READMEs are tests: every ```ts block type-checks as a consumer's module, and every block marked `run`
 * runs against a simulator of its own and prints exactly its README's ```text block.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { typeCheck } from "../src/check.js"
import * as Markdown from "../src/markdown.js"
import { mismatch, redisAnswers, runAgainstSimulator } from "../src/run.js"
import { makeWorkDir, packageDir, readmeModules, readmes, repoRoot } from "../src/sources.js"

const files = readmes()
const parsed = files.map((file) => Markdown.parse(file, fs.readFileSync(path.join(repoRoot, file), "utf8")))
const modules = readmeModules(parsed.flatMap((result) => result.blocks))
const redisUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:6379"

let workDir = ""
let diagnostics: ReadonlyMap<string, ReadonlyArray<string>> = new Map()
let redis = false

beforeAll(async () => {
  workDir = makeWorkDir()
  diagnostics = typeCheck(workDir, modules.map(({ module }) => module))
  redis = await redisAnswers(redisUrl)
  if (!redis && modules.some(({ block }) => block.marker.kind === "run" && block.marker.needs.includes("redis"))) {
    const message = `Redis at ${redisUrl} does not answer: the README blocks that need it are type-checked, not run`
    if (process.env.REQUIRE_REDIS === "1") throw new Error(`REQUIRE_REDIS=1 but ${message}`)
    console.warn(`\n!!!!!!!!!!\n!!! ${message}\n!!!!!!!!!!\n`)
  }
})

afterAll(() => {
  if (workDir !== "") fs.rmSync(workDir, { recursive: true, force: true })
  const count = (kind: Markdown.Marker["kind"]) => modules.filter(({ block }) => block.marker.kind === kind).length
  console.log(
    `docs-test: ${files.length} READMEs, ${modules.length} TypeScript blocks type-checked ` +
      `(${count("run")} run, ${count("check-only")} check-only, ${count("fragment")} fragments)`
  )
})

describe("the README files", () => {
  it("are found: the root's and every workspace package's", () => {
    expect(files).toEqual(expect.arrayContaining([
      "README.md",
      "packages/client/README.md",
      "packages/core/README.md",
      "packages/promise/README.md",
      "packages/redis/README.md",
      "packages/simulator/README.md",
      "apps/example/README.md"
    ]))
  })

  it.each(files.map((file, index) => [file, parsed[index]!] as const))(
    "%s: every ```ts block carries a valid docs-test marker",
    (_file, result) => {
      expect(result.problems.map((problem) => `${problem.file}:${problem.line}: ${problem.message}`)).toEqual([])
    }
  )
})

describe("every ```ts block of every README type-checks", () => {
  it.each(modules.map(({ block, module }) => [`${block.file}:${block.line}`, block.marker.kind, module.name] as const))(
    "%s (%s)",
    (_where, _kind, name) => {
      const errors = diagnostics.get(name) ?? [`${name} was not type-checked`]
      if (errors.length > 0) throw new Error(`does not type-check:\n  ${errors.join("\n  ")}`)
    }
  )
})

describe.concurrent("every run block prints what its README says, against the simulator", () => {
  for (const { block, module } of modules) {
    const marker = block.marker
    if (marker.kind !== "run") continue
    const where = `${block.file}:${block.line}`
    it(where, async (context) => {
      if (marker.needs.includes("redis") && !redis) context.skip()
      const outcome = await runAgainstSimulator(path.join(workDir, module.name), {
        cwd: packageDir,
        timeoutMs: marker.timeoutMs ?? 30_000,
        simulator: marker.simulator,
        // keys of their own in a Redis that may hold real ones
        env: { REDIS_URL: redisUrl, REDIS_PREFIX: "trackingmore-docs-test:" }
      })
      const why = mismatch(where, outcome, { text: block.output?.code ?? "", where: `${block.file}:${block.output?.line}` })
      if (why !== undefined) throw new Error(why)
    }, (marker.timeoutMs ?? 30_000) + 10_000)
  }
})
