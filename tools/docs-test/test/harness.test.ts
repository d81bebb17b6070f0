/**
 * The docs test's own machinery: markers are read as documented, errors name the README line, and a README
 * whose block prints something else, throws or hangs fails with a message that says where and why.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { typeCheck } from "../src/check.js"
import * as Jsdoc from "../src/jsdoc.js"
import * as Markdown from "../src/markdown.js"
import { mismatch, normalizeOutput, runAgainstSimulator } from "../src/run.js"
import { exampleModule, makeWorkDir, packageDir, readmeModules } from "../src/sources.js"

const fence = "```"
const workDir = makeWorkDir()
afterAll(() => fs.rmSync(workDir, { recursive: true, force: true }))

const problemsOf = (markdown: string) =>
  Markdown.parse("X.md", markdown).problems.map((problem) => `${problem.line}: ${problem.message}`)

describe("Markdown.parse", () => {
  it("reads each kind of marker, indented blocks, preludes and output blocks", () => {
    const markdown = [
      "# Title", //                                                1
      "<!-- docs-test: run; simulator: {\"timeScale\": 0.5}; needs: redis; timeout: 20s -->", // 2
      `${fence}ts`, //                                            3
      "console.log(1)", //                                        4
      fence, //                                                   5
      "It prints:", //                                            6
      `${fence}text`, //                                          7
      "1", //                                                     8
      fence, //                                                   9
      "- item", //                                               10
      "  <!-- docs-test: fragment", //                          11
      "  declare const e: unknown", //                          12
      "  -->", //                                               13
      `  ${fence}typescript`, //                                14
      "  if (e) e", //                                          15
      `  ${fence}`, //                                          16
      "<!-- docs-test: fragment; after: previous -->", //        17
      "", //                                                    18
      `${fence}ts`, //                                           19
      "e", //                                                    20
      fence, //                                                  21
      "<!-- docs-test: check-only; reason: no key -->", //       22
      `${fence}ts`, //                                           23
      "export {}", //                                            24
      fence, //                                                  25
      `${fence}sh`, //                                           26
      "pnpm test", //                                            27
      fence //                                                   28
    ].join("\n")
    const { blocks, problems } = Markdown.parse("X.md", markdown)
    expect(problems).toEqual([])
    expect(blocks.map((block) => [block.line, block.codeLine, block.lang, block.code, block.marker])).toEqual([
      [3, 4, "ts", "console.log(1)", { kind: "run", simulator: { timeScale: 0.5 }, needs: ["redis"], timeoutMs: 20_000 }],
      [14, 15, "typescript", "if (e) e", { kind: "fragment", prelude: "  declare const e: unknown", preludeLine: 12, afterPrevious: false }],
      [19, 20, "ts", "e", { kind: "fragment", prelude: "", preludeLine: 18, afterPrevious: true }],
      [23, 24, "ts", "export {}", { kind: "check-only", reason: "no key" }]
    ])
    expect(blocks[0]!.output).toEqual({ line: 7, lang: "text", code: "1", codeLine: 8 })
  })

  it("ignores what is inside a longer fence", () => {
    const markdown = ["````md", "<!-- docs-test: run -->", `${fence}ts`, "x", fence, "````"].join("\n")
    expect(Markdown.parse("X.md", markdown)).toEqual({ blocks: [], problems: [] })
  })

  it("reports unmarked blocks (still type-checked), stray markers, missing outputs and bad markers with their lines", () => {
    const parsed = Markdown.parse("X.md", [`${fence}ts`, "x", fence].join("\n"))
    expect(parsed.problems.map((problem) => problem.line)).toEqual([1])
    expect(parsed.problems[0]!.message).toContain("without a docs-test marker")
    expect(parsed.blocks.map((block) => block.marker.kind)).toEqual(["check-only"])

    expect(problemsOf(["<!-- docs-test: run -->", "prose", `${fence}ts`, "x", fence].join("\n"))).toEqual([
      "1: a docs-test marker is not right before a code block",
      expect.stringContaining("3: a ```ts block without a docs-test marker")
    ])
    expect(problemsOf(["<!-- docs-test: run -->", `${fence}ts`, "x", fence, `${fence}sh`, "y", fence].join("\n"))).toEqual([
      "2: a run block needs its expected output in a ```text block after it (the next block, line 5, is ```sh)"
    ])
    expect(problemsOf(["<!-- docs-test: check-only -->", `${fence}ts`, "x", fence].join("\n"))).toEqual([
      "1: docs-test marker: check-only needs a reason: <!-- docs-test: check-only; reason: … -->"
    ])
    expect(problemsOf(["<!-- docs-test: skip -->", `${fence}ts`, "x", fence].join("\n"))).toEqual([
      "1: docs-test marker: unknown kind \"skip\" (run, check-only or fragment)"
    ])
    expect(problemsOf(["<!-- docs-test: run; simulator: {x} -->", `${fence}ts`, "x", fence, `${fence}text`, fence].join("\n")))
      .toEqual([expect.stringMatching(/^1: docs-test marker: simulator: is not JSON/)])
    expect(problemsOf(["<!-- docs-test: run -->", `${fence}sh`, "x", fence].join("\n"))).toEqual([
      "1: a docs-test marker is on a ```sh block; only ```ts blocks are checked"
    ])
  })
})

describe("Jsdoc.extract", () => {
  it("finds the ```ts fences of @example tags, with their lines, and reports unfenced examples", () => {
    const source = [
      "/**", //                     1
      " * Does a thing.", //        2
      " *", //                      3
      " * @since 0.1.0", //         4
      " * @example", //             5
      " * ```ts", //                6
      " * const a = 1", //          7
      " * ```", //                  8
      " */", //                     9
      "export const a = 1", //     10
      "/** @example a() */", //    11: one line, not a block comment with tags we read
      "/**", //                    12
      " * @example", //            13
      " * a()", //                 14
      " */" //                     15
    ].join("\n")
    const { examples, problems } = Jsdoc.extract("src/A.ts", source)
    expect(examples).toEqual([{ file: "src/A.ts", line: 6, codeLine: 7, code: "const a = 1" }])
    expect(problems).toEqual([{ file: "src/A.ts", line: 13, message: expect.stringContaining("without a ```ts fence") }])
  })
})

describe("typeCheck", () => {
  it("names the README line and column of an error, in a block, in its prelude and in the block it continues", () => {
    const markdown = [
      "<!-- docs-test: check-only; reason: test -->", // 1
      `${fence}ts`, //                                  2
      "const n: number = 1", //                         3
      "const s: string = n", //                         4
      fence, //                                         5
      "<!-- docs-test: fragment; after: previous", //  6
      "declare const x: Zzz", //                      7
      "-->", //                                         8
      `${fence}ts`, //                                  9
      "const t: string = x + n", //                    10
      "t.nope", //                                     11
      fence //                                         12
    ].join("\n")
    const modules = readmeModules(Markdown.parse("X.md", markdown).blocks)
    const diagnostics = typeCheck(path.join(workDir, "check"), modules.map(({ module }) => module))
    expect(diagnostics.get(modules[0]!.module.name)!.map((line) => line.split("\n")[0])).toEqual([
      "X.md:4:7 error TS2322: Type 'number' is not assignable to type 'string'."
    ])
    expect(diagnostics.get(modules[1]!.module.name)!.map((line) => line.split("\n")[0])).toEqual([
      "X.md:4:7 (the block before) error TS2322: Type 'number' is not assignable to type 'string'.",
      "X.md:7:18 (prelude in the marker) error TS2304: Cannot find name 'Zzz'.",
      "X.md:11:3 error TS2339: Property 'nope' does not exist on type 'string'."
    ])
  })

  it("checks a JSDoc example at its source line", () => {
    const module = exampleModule({ file: "src/A.ts", line: 6, codeLine: 7, code: "const a: string = 1" })
    const diagnostics = typeCheck(path.join(workDir, "jsdoc"), [module])
    expect(diagnostics.get(module.name)!.map((line) => line.split("\n")[0])).toEqual([
      "src/A.ts:7:7 error TS2322: Type 'number' is not assignable to type 'string'."
    ])
  })
})

describe("a README whose run block does not do what it says fails, naming the block", () => {
  const run = async (code: string, expected: string, timeout = "20s") => {
    const markdown = ["<!-- docs-test: run; timeout: " + timeout + " -->", `${fence}ts`, code, fence, "", `${fence}text`, expected, fence].join("\n")
    const { block, module } = readmeModules(Markdown.parse("STALE.md", markdown).blocks)[0]!
    const dir = path.join(workDir, "run")
    fs.mkdirSync(path.dirname(path.join(dir, module.name)), { recursive: true })
    fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ type: "module" }))
    fs.writeFileSync(path.join(dir, module.name), module.text)
    const marker = block.marker as Extract<Markdown.Marker, { kind: "run" }>
    const outcome = await runAgainstSimulator(path.join(dir, module.name), {
      cwd: packageDir,
      timeoutMs: marker.timeoutMs!,
      simulator: marker.simulator
    })
    return mismatch("STALE.md:2", outcome, { text: block.output!.code, where: "STALE.md:6" })
  }

  it("passes when it prints exactly the output block; the program gets the simulator's URL and a key it accepts", async () => {
    const code = [
      "const res = await fetch(`${process.env.TRACKINGMORE_BASE_URL}/carriers`, {",
      "  headers: { \"Trackingmore-Api-Key\": process.env.TRACKINGMORE_API_KEY! }",
      "})",
      "console.log(((await res.json()) as { meta: { code: number } }).meta.code)"
    ].join("\n")
    expect(await run(code, "200")).toBeUndefined()
  })

  it("fails when it prints something else", async () => {
    const why = await run("console.log(\"new\")", "old")
    expect(why).toContain("STALE.md:2: the block printed something else than its output block (STALE.md:6) says")
    expect(why).toMatch(/the docs say:\n {4}old\n--- printed \(stdout\):\n {4}new/)
  })

  it("fails when it throws, with its stderr", async () => {
    const why = await run("console.log(\"before\")\nthrow new Error(\"boom\")", "before")
    expect(why).toContain("STALE.md:2: the block failed (exit code 1)")
    expect(why).toContain("Error: boom")
  })

  it("fails when it does not finish in its time", async () => {
    const why = await run("setInterval(() => {}, 1000)", "", "3s")
    expect(why).toContain("STALE.md:2: the block did not finish within 3 s")
  })
})

describe("normalizeOutput", () => {
  it("ignores trailing blanks and trailing empty lines, nothing else", () => {
    expect(normalizeOutput("a  \nb\n\n")).toBe("a\nb")
    expect(normalizeOutput(" a")).toBe(" a")
  })
})
