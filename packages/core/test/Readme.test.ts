import { assert, describe, it } from "@effect/vitest"
import * as Fs from "node:fs"
import { renderCodeTable } from "../scripts/codeTable.js"

describe("README", () => {
  it("holds the table generated from the catalogue and the default policy (run `pnpm readme` when stale)", () => {
    const readme = Fs.readFileSync(new URL("../README.md", import.meta.url), "utf8")
    assert.include(readme, renderCodeTable())
  })
})
