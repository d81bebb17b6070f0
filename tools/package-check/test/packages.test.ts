/**
 * Every publishable package as the registry would hold it: packed with `pnpm pack` (which turns `workspace:^`
 * into versions), then
 *
 * - publint (strict: its warnings fail too) over the tarball;
 * - arethetypeswrong with the `esm-only` profile (the packages are ES modules only, so the CommonJS resolutions
 *   are not asked for) over the tarball, without looking anything up on the registry;
 * - the metadata a user and a registry read: the MIT license and its file, repository with the package's
 *   directory, homepage, issue tracker, supported Node versions, keywords, `sideEffects`, an export map that
 *   names each public module (each top-level module of `src`) and `./package.json`, with no wildcard, and no
 *   internal module or command-line entry among its targets.
 */
import { spawn } from "node:child_process"
import * as Fs from "node:fs/promises"
import * as Os from "node:os"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { publint } from "publint"
import { formatMessage } from "publint/utils"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

const toolDir = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "..")
const repoDir = Path.resolve(toolDir, "../..")
const packageNames = ["core", "client", "promise", "redis", "simulator", "cli"] as const
type PackageName = (typeof packageNames)[number]

interface Run {
  readonly code: number | null
  readonly output: string
  readonly stdout: string
}

/** The environment without what pnpm and turbo set for their scripts (npm reads every `npm_config_*`). */
const childEnv = (): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^(npm_|pnpm_)/i.test(key) && key !== "NODE_OPTIONS" && key !== "INIT_CWD") env[key] = value
  }
  return env
}

const run = (command: string, args: ReadonlyArray<string>, cwd: string, timeoutMs: number): Promise<Run> =>
  new Promise((resolve) => {
    const child = spawn(command, args, { cwd, env: childEnv(), stdio: ["ignore", "pipe", "pipe"] })
    let stdout = ""
    let output = ""
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString()
      output += chunk.toString()
    })
    child.stderr.on("data", (chunk: Buffer) => {
      output += chunk.toString()
    })
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs)
    child.on("error", (error) => {
      clearTimeout(timer)
      resolve({ code: null, output: `${output}\n${String(error)}`, stdout })
    })
    child.on("close", (code) => {
      clearTimeout(timer)
      resolve({ code, output, stdout })
    })
  })

interface Packed {
  readonly tarball: string
  /** The manifest as packed (versions in place of `workspace:` ranges). */
  readonly manifest: Record<string, unknown>
  /** The files in the tarball, relative to the package root. */
  readonly files: ReadonlyArray<string>
}

let tempDir = ""
const packed = new Map<PackageName, Packed>()

beforeAll(async () => {
  tempDir = await Fs.mkdtemp(Path.join(Os.tmpdir(), "trackingmore-package-check-"))
  await Promise.all(packageNames.map(async (name) => {
    const result = await run("pnpm", ["pack", "--pack-destination", tempDir, "--json"], Path.join(repoDir, "packages", name), 60_000)
    if (result.code !== 0) throw new Error(`pnpm pack failed in packages/${name}:\n${result.output}`)
    const { filename } = JSON.parse(result.stdout) as { filename: string }
    const unpacked = Path.join(tempDir, name)
    await Fs.mkdir(unpacked)
    const untar = await run("tar", ["-xzf", filename, "-C", unpacked], tempDir, 60_000)
    if (untar.code !== 0) throw new Error(`tar failed for ${filename}:\n${untar.output}`)
    const root = Path.join(unpacked, "package")
    const entries = await Fs.readdir(root, { recursive: true, withFileTypes: true })
    const files = entries.filter((entry) => entry.isFile()).map((entry) =>
      Path.relative(root, Path.join(entry.parentPath, entry.name)).split(Path.sep).join("/")
    )
    const manifest = JSON.parse(await Fs.readFile(Path.join(root, "package.json"), "utf8")) as Record<string, unknown>
    packed.set(name, { tarball: filename, manifest, files })
  }))
})

afterAll(async () => {
  if (tempDir !== "") await Fs.rm(tempDir, { recursive: true, force: true })
})

const get = (name: PackageName): Packed => {
  const found = packed.get(name)
  if (found === undefined) throw new Error(`${name} was not packed`)
  return found
}

describe.each(packageNames)("@trackingmore-effect/%s", (name) => {
  it("passes publint, strict", async () => {
    const { tarball } = get(name)
    const data = await Fs.readFile(tarball)
    const { messages, pkg } = await publint({
      pack: { tarball: data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer },
      strict: true,
      level: "suggestion"
    })
    expect(messages.map((message) => `${message.type}: ${formatMessage(message, pkg, { color: false }) ?? message.code}`))
      .toEqual([])
  })

  it("passes arethetypeswrong with the esm-only profile", async () => {
    const { manifest, tarball } = get(name)
    const attw = Path.join(toolDir, "node_modules", ".bin", "attw")
    const result = await run(attw, [tarball, "--profile", "esm-only", "--no-definitely-typed", "--format", "json"], toolDir, 90_000)
    expect(result.code, result.output).toBe(0)
    const report = JSON.parse(result.stdout) as {
      readonly analysis: {
        readonly entrypoints: Record<string, unknown>
        readonly problems: ReadonlyArray<{ readonly kind: string; readonly entrypoint?: string; readonly resolutionKind?: string }>
      }
    }
    // The esm-only profile leaves out what only CommonJS consumers meet (node10, require from node16).
    const problems = report.analysis.problems.filter((problem) =>
      problem.resolutionKind !== "node10" && problem.resolutionKind !== "node16-cjs"
    )
    expect(problems).toEqual([])
    expect(Object.keys(report.analysis.entrypoints).sort()).toEqual(Object.keys(manifest.exports as object).sort())
  })

  it("carries its license file, repository, homepage, issue tracker, engines and keywords", () => {
    const { files, manifest } = get(name)
    expect(manifest.license).toBe("MIT")
    expect(files).toContain("LICENSE")
    expect(manifest.repository).toEqual({
      type: "git",
      url: expect.stringMatching(/^git\+https:\/\/.+\.git$/),
      directory: `packages/${name}`
    })
    expect(manifest.homepage).toMatch(new RegExp(`^https://.+/packages/${name}#readme$`))
    expect(manifest.bugs).toEqual({ url: expect.stringMatching(/^https:\/\/.+\/issues$/) })
    expect(manifest.engines).toEqual({ node: ">=20" })
    expect(manifest.type).toBe("module")
    expect(manifest.keywords).toEqual(expect.arrayContaining(["trackingmore"]))
    expect(manifest.version).toMatch(/^\d+\.\d+\.\d+/)
    expect(files).toContain("README.md")
  })

  it("exports every public module by name and ./package.json, nothing internal, no wildcard", async () => {
    const { files, manifest } = get(name)
    const exportsMap = manifest.exports as Record<string, unknown>
    const keys = Object.keys(exportsMap)
    expect(keys.filter((key) => key.includes("*"))).toEqual([])
    expect(exportsMap["./package.json"]).toBe("./package.json")
    const targets = keys.flatMap((key) => {
      const target = exportsMap[key]
      return typeof target === "string" ? [target] : Object.values(target as Record<string, string>)
    })
    for (const target of targets) expect(files, `${target} is not in the tarball`).toContain(target.slice(2))
    expect(targets.filter((target) => /\/internal\/|\/bin\.js$/.test(target))).toEqual([])

    // Each top-level module of src is public (the Promise facade is one bundle: only its root).
    const sources = (await Fs.readdir(Path.join(repoDir, "packages", name, "src")))
      .filter((file) => file.endsWith(".ts") && file !== "index.ts" && file !== "bin.ts")
      .map((file) => `./${file.slice(0, -".ts".length)}`)
    // The command line is a bin: no module of it is public.
    const expected = name === "promise"
      ? [".", "./package.json"]
      : name === "cli"
      ? ["./package.json"]
      : [".", ...sources, "./package.json"]
    expect(keys.sort()).toEqual(expected.sort())
  })

  it("says whether its modules do something at load", () => {
    const { manifest } = get(name)
    // Only the command-line entries (the simulator's, the cli's) start something when loaded.
    expect(manifest.sideEffects).toEqual(name === "simulator" || name === "cli" ? ["./dist/bin.js"] : false)
    const bin = (manifest.bin ?? {}) as Record<string, string>
    for (const target of Object.values(bin)) expect(get(name).files).toContain(target.replace(/^\.\//, ""))
  })
})

describe("the Promise facade", () => {
  it("depends on nothing and asks nothing of its users: no dependencies, no peers", () => {
    const { manifest } = get("promise")
    expect(manifest.dependencies ?? {}).toEqual({})
    expect(manifest.peerDependencies).toBeUndefined()
    expect(manifest.optionalDependencies).toBeUndefined()
  })

  it("ships one ES module that imports nothing, its declarations without Effect, and the licenses of what it bundles", async () => {
    const { files, tarball } = get("promise")
    const root = Path.join(Path.dirname(tarball), "promise", "package")
    const bundle = await Fs.readFile(Path.join(root, "dist", "index.js"), "utf8")
    // No static or dynamic import of anything: everything it runs is inside.
    expect(bundle.match(/^\s*(import|export)\s[^;]*\sfrom\s*["'][^"']+["']/gm) ?? []).toEqual([])
    expect(bundle.match(/\bimport\(\s*["'][^"']+["']\s*\)/g) ?? []).toEqual([])
    expect(bundle.match(/\brequire\(\s*["'][^"']+["']\s*\)/g) ?? []).toEqual([])
    // The declarations of the top-level modules of src, and nothing of src/internal (whose types name Effect's).
    const declarations = files.filter((file) => file.endsWith(".d.ts"))
    const modules = (await Fs.readdir(Path.join(repoDir, "packages", "promise", "src"))).filter((f) => f.endsWith(".ts"))
    expect(declarations.sort()).toEqual(modules.map((f) => `dist/${f.slice(0, -".ts".length)}.d.ts`).sort())
    for (const file of declarations) {
      const text = await Fs.readFile(Path.join(root, file), "utf8")
      const imports = [...text.matchAll(/(?:from|import)\s*\(?\s*"([^"]+)"/g)].map((match) => match[1])
      expect(imports.filter((specifier) => !specifier!.startsWith("./") && !specifier!.startsWith("@trackingmore-effect/promise")), file)
        .toEqual([])
    }
    const licenses = await Fs.readFile(Path.join(root, "dist", "THIRD_PARTY_LICENSES.md"), "utf8")
    for (const bundled of ["effect", "@effect/platform", "@trackingmore-effect/client", "@trackingmore-effect/core"]) {
      expect(licenses).toMatch(new RegExp(`^## ${bundled.replace("/", "\\/")}@\\d`, "m"))
    }
  })
})
