/**
 * The check itself, on small packages of its own: it fails on an export without `@since` and on an example that
 * does not compile, names where, and passes an example that only type-checks (one that would throw if run).
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { findingsOf, runDocgen, toolDir } from "../src/docgen.js"

const fixture = (name: string) => path.join(toolDir, "test", "fixtures", name)
afterAll(() => {
  for (const name of ["good", "missing-since", "bad-example"]) {
    fs.rmSync(path.join(fixture(name), "docs"), { recursive: true, force: true })
  }
})

describe("runDocgen", () => {
  it("passes examples that type-check without running them, and writes a page per module", async () => {
    const result = await runDocgen(fixture("good"))
    expect(result.findings).toEqual([])
    expect(result.ok, result.output).toBe(true)
    expect([result.modules, result.examples]).toEqual([1, 2])
    const page = fs.readFileSync(path.join(fixture("good"), "docs", "modules", "index.ts.md"), "utf8")
    expect(page.startsWith("---\ntitle: index.ts\nnav_order: 1\nparent: Modules\n---\n")).toBe(true)
    expect(page).toContain("## double")
    expect(page).toContain("Added in v0.1.0")
  })

  it("fails on an export or a class member without @since, in every module", async () => {
    const result = await runDocgen(fixture("missing-since"))
    expect(result.ok).toBe(false)
    // one line per export docgen stopped at, in no particular order of modules
    expect([...result.findings].sort()).toEqual([
      "Missing @since tag in src/Other.ts#undocumented documentation",
      "Missing @since tag in src/index.ts#Counter#count documentation"
    ])
  })

  it("fails on an example that does not compile, naming the export and the example", async () => {
    const result = await runDocgen(fixture("bad-example"))
    expect(result.ok).toBe(false)
    expect(result.examples).toBe(2)
    expect(result.findings).toEqual([
      "src/index.ts: @example 2 of double (function), line 2:7: error TS2322: Type 'number' is not assignable to type 'string'."
    ])
    expect(fs.existsSync(path.join(fixture("bad-example"), "docs", "examples"))).toBe(false)
  })
})

describe("findingsOf", () => {
  it("reads the lines of docgen's error between its header and its stack", () => {
    const output = [
      "[10:37:39.383] ERROR (#12):",
      "  DocgenError: [Core.parseModules] The following error(s) occurred while parsing the TypeScript source files:",
      "  Missing @since tag in src/A.ts#a documentation",
      "  Missing @since tag in src/B.ts#B#b documentation",
      "      at /somewhere/bin.cjs:1:1"
    ].join("\n")
    expect(findingsOf(output)).toEqual([
      "Missing @since tag in src/A.ts#a documentation",
      "Missing @since tag in src/B.ts#B#b documentation"
    ])
    expect(findingsOf("nothing failed")).toEqual([])
  })
})
