/**
 * The reference of every published package: docgen must read each module of `src` (less `internal`) and find an
 * `@since` on every export, every `@example` must type-check, and a page per module must come out.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import { packages, repoRoot, runDocgen } from "../src/docgen.js"

describe("the API reference", () => {
  for (const name of packages) {
    it(`${name}: every export has @since, every @example type-checks`, async () => {
      const dir = path.join(repoRoot, "packages", name)
      const result = await runDocgen(dir)
      expect(result.findings, `docgen in packages/${name} found`).toEqual([])
      expect(result.ok, result.output).toBe(true)
      const modules = fs.readdirSync(path.join(dir, "src")).filter((file) => file.endsWith(".ts") && file !== "bin.ts")
      expect(result.modules).toBe(modules.length)
      for (const module of modules) {
        const page = fs.readFileSync(path.join(dir, "docs", "modules", `${module}.md`), "utf8")
        expect(page.startsWith(`---\ntitle: ${module}\n`), `docs/modules/${module}.md starts with its front matter`)
          .toBe(true)
      }
    })
  }
})
