/**
 * The published packages as a consumer gets them. Each publishable package is packed with `pnpm pack` (which
 * rewrites `workspace:^` to versions), the tarballs are installed with npm into a project outside the workspace
 * next to the peer dependencies at the versions the workspace uses, and then:
 *
 * - the packed manifests and files are checked: no `workspace:` left, every bare import of the published
 *   JavaScript and declarations is a declared dependency or peer (npm's flat layout would hide a missing one
 *   until a consumer's package manager does not), every source map's sources are shipped, one copy of each
 *   package and of `effect` is installed;
 * - a small program (fixture/src/main.ts) plus an import of every public module of every package is
 *   type-checked with `skipLibCheck: false` under `NodeNext` and under `ESNext`/`Bundler` — the repo builds with
 *   `skipLibCheck: true`, which hides errors in its own emitted declarations;
 * - the program, compiled by the NodeNext check, runs with node: it starts the simulator and creates and reads
 *   a tracking with the Effect client and with the Promise facade.
 *
 * One install serves both module modes, and the two type-checks run at the same time.
 */
import * as Fs from "node:fs/promises"
import { isBuiltin } from "node:module"
import * as Os from "node:os"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import ts from "typescript"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { Run } from "./support.js"
import { installNode, installTypeScript, run, versions as supported } from "./support.js"

const toolDir = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "..")
const repoDir = Path.resolve(toolDir, "../..")
const packageNames = ["core", "client", "promise", "redis", "simulator"] as const
const scope = "@trackingmore-effect"

const readJson = async (file: string): Promise<Record<string, unknown>> =>
  JSON.parse(await Fs.readFile(file, "utf8")) as Record<string, unknown>

/** The version of `name` installed for the workspace package in `fromDir` (node's lookup, upwards). */
const installedVersion = async (fromDir: string, name: string): Promise<string> => {
  for (let dir = fromDir; ; dir = Path.dirname(dir)) {
    const manifest = Path.join(dir, "node_modules", name, "package.json")
    const found = await readJson(manifest).catch(() => undefined)
    if (found !== undefined) return String(found.version)
    if (Path.dirname(dir) === dir) throw new Error(`${name} is not installed for ${fromDir}`)
  }
}

const dependencyRecord = (manifest: Record<string, unknown>, field: string): Record<string, string> =>
  (manifest[field] ?? {}) as Record<string, string>

/** Every file under `dir`, as paths relative to it. */
const walk = async (dir: string): Promise<Array<string>> => {
  const entries = await Fs.readdir(dir, { recursive: true, withFileTypes: true })
  return entries.filter((entry) => entry.isFile()).map((entry) =>
    Path.relative(dir, Path.join(entry.parentPath, entry.name))
  )
}

/**
 * The module specifiers a compiled file imports, re-exports or loads dynamically, and the type packages its
 * `/// <reference types>` directives name — read by TypeScript's scanner, so that examples in comments do not count.
 */
const specifiers = (source: string): Array<string> => {
  const info = ts.preProcessFile(source, true, true)
  return [
    ...info.importedFiles.map((file) => file.fileName),
    ...info.typeReferenceDirectives.map((directive) => `@types/${directive.fileName}`)
  ]
}

/** `@scope/name/sub` → `@scope/name`, `name/sub` → `name`; relative specifiers and Node's modules → undefined. */
const packageOf = (specifier: string): string | undefined => {
  if (specifier.startsWith(".") || specifier.startsWith("/") || isBuiltin(specifier)) return undefined
  const parts = specifier.split("/")
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]
}

const timings: Record<string, number> = {}
const timed = async <A>(label: string, task: () => Promise<A>): Promise<A> => {
  const start = performance.now()
  try {
    return await task()
  } finally {
    timings[label] = Math.round(performance.now() - start)
  }
}

let projectDir = ""
let tempDir = ""
let install: Run = { code: null, output: "not run", stdout: "" }
const publicModules: Array<string> = []
let checkNodeNext: Promise<Run> = Promise.resolve(install)
let checkBundler: Promise<Run> = Promise.resolve(install)
/** The lowest supported TypeScript under NodeNext, the current one under both; started after the first two. */
let checkOthers: Promise<Record<string, Run>> = Promise.resolve({})
let nodeCurrent: Promise<string> = Promise.resolve("")

const installed = (name: string) => Path.join(projectDir, "node_modules", scope, name)

beforeAll(async () => {
  tempDir = await Fs.mkdtemp(Path.join(Os.tmpdir(), "trackingmore-consumer-"))
  const relative = Path.relative(repoDir, tempDir)
  if (!relative.startsWith("..") && !Path.isAbsolute(relative)) {
    throw new Error(`the consumer project must live outside the workspace, got ${tempDir}`)
  }
  projectDir = Path.join(tempDir, "project")
  const tarballDir = Path.join(tempDir, "tarballs")
  await Fs.mkdir(tarballDir, { recursive: true })

  const tarballs = await timed("pack", () =>
    Promise.all(packageNames.map(async (name) => {
      const packageDir = Path.join(repoDir, "packages", name)
      const packed = await run("pnpm", ["pack", "--pack-destination", tarballDir, "--json"], packageDir, 60_000)
      if (packed.code !== 0) throw new Error(`pnpm pack failed in packages/${name}:\n${packed.output}`)
      const { filename } = JSON.parse(packed.stdout) as { filename: string }
      return [`${scope}/${name}`, `file:${filename}`] as const
    })))

  // The third-party packages at the versions the workspace is built and tested with, each looked up from a
  // workspace package that depends on it.
  const packagesDir = Path.join(repoDir, "packages")
  const thirdParty: ReadonlyArray<readonly [name: string, from: string]> = [
    ["effect", Path.join(packagesDir, "client")],
    ["@effect/platform", Path.join(packagesDir, "client")],
    ["@effect/experimental", Path.join(packagesDir, "client")],
    ["ioredis", Path.join(packagesDir, "redis")],
    ["typescript", toolDir],
    ["@types/node", toolDir]
  ]
  const versions: Record<string, string> = Object.fromEntries(
    await Promise.all(thirdParty.map(async ([name, from]) => [name, await installedVersion(from, name)] as const))
  )

  await Fs.cp(Path.join(toolDir, "fixture"), projectDir, { recursive: true })
  await Fs.writeFile(
    Path.join(projectDir, "package.json"),
    JSON.stringify(
      {
        name: "trackingmore-consumer",
        private: true,
        type: "module",
        dependencies: {
          ...Object.fromEntries(tarballs),
          effect: versions["effect"],
          "@effect/platform": versions["@effect/platform"],
          "@effect/experimental": versions["@effect/experimental"],
          ioredis: versions["ioredis"]
        },
        devDependencies: { typescript: versions["typescript"], "@types/node": versions["@types/node"] }
      },
      null,
      2
    )
  )
  // Packages come from npm's cache when it has them; no install scripts (msgpackr's optional native build).
  await Fs.writeFile(
    Path.join(projectDir, ".npmrc"),
    ["prefer-offline=true", "ignore-scripts=true", "fund=false", "audit=false", "update-notifier=false", ""].join("\n")
  )

  install = await timed("install", () => run("npm", ["install", "--loglevel=warn"], projectDir, 240_000))
  if (install.code !== 0) throw new Error(`npm install failed:\n${install.output}`)

  // An import of every public module of every package (each entry of its export map), so that every published
  // declaration file is checked.
  for (const name of packageNames) {
    const manifest = await readJson(Path.join(installed(name), "package.json"))
    for (const entry of Object.keys(manifest.exports as Record<string, unknown>).sort()) {
      if (entry === "./package.json") continue
      publicModules.push(entry === "." ? `${scope}/${name}` : `${scope}/${name}/${entry.slice(2)}`)
    }
  }
  await Fs.writeFile(
    Path.join(projectDir, "src", "modules.ts"),
    publicModules.map((specifier, i) => `export type * as module${i} from "${specifier}"\n`).join("")
  )

  const tsc = Path.join(projectDir, "node_modules", "typescript", "bin", "tsc")
  const check = (config: string) =>
    timed(`tsc ${config}`, () => run(process.execPath, [tsc, "-p", config, "--pretty", "false"], projectDir, 240_000))
  // The other supported versions install while the workspace's TypeScript checks (npm's cache, no scripts).
  const toolsDir = Path.join(tempDir, "tools")
  const tscLowest = installTypeScript(toolsDir, supported.typescriptLowest)
  const tscCurrent = installTypeScript(toolsDir, supported.typescriptCurrent)
  nodeCurrent = installNode(toolsDir, supported.nodeCurrent)
  for (const promise of [tscLowest, tscCurrent, nodeCurrent]) promise.catch(() => {})
  checkNodeNext = check("tsconfig.nodenext.json")
  checkBundler = check("tsconfig.bundler.json")
  await Promise.all([checkNodeNext, checkBundler])
  const checkWith = async (label: string, tscPath: Promise<string>, config: string) => {
    const path = await tscPath
    return [
      label,
      await timed(label, () =>
        run(process.execPath, [path, "-p", config, "--noEmit", "--pretty", "false"], projectDir, 240_000))
    ] as const
  }
  // One at a time after the others: two full checks of Effect's declarations at once already fill two cores.
  checkOthers = (async () => {
    const results: Array<readonly [string, Run]> = []
    results.push(await checkWith(`tsc ${supported.typescriptLowest} nodenext`, tscLowest, "tsconfig.nodenext.json"))
    results.push(await checkWith(`tsc ${supported.typescriptCurrent} nodenext`, tscCurrent, "tsconfig.nodenext.json"))
    results.push(await checkWith(`tsc ${supported.typescriptCurrent} bundler`, tscCurrent, "tsconfig.bundler.json"))
    return Object.fromEntries(results)
  })()
  await checkOthers
})

afterAll(async () => {
  console.log(`consumer test timings (ms): ${JSON.stringify(timings)}`)
  if (tempDir !== "" && process.env.CONSUMER_TEST_KEEP === undefined) {
    await Fs.rm(tempDir, { recursive: true, force: true })
  }
})

describe("the packed packages", () => {
  it("install without peer-dependency complaints, each package and effect once, ours from the tarballs", async () => {
    expect(install.output).not.toMatch(/peer|ERESOLVE/i)
    const lock = await readJson(Path.join(projectDir, "package-lock.json"))
    const entries = Object.entries(lock.packages as Record<string, { resolved?: string }>)
    for (const name of packageNames) {
      const copies = entries.filter(([path]) => path.endsWith(`node_modules/${scope}/${name}`))
      expect(copies.map(([path]) => path)).toEqual([`node_modules/${scope}/${name}`])
      expect(copies[0]![1].resolved).toMatch(/^file:/)
    }
    for (const shared of ["effect", "@effect/platform", "@effect/experimental"]) {
      expect(entries.filter(([path]) => path.endsWith(`node_modules/${shared}`)).map(([path]) => path)).toEqual([
        `node_modules/${shared}`
      ])
    }
  })

  it("carry versions, not workspace: ranges, and import only what they declare", async () => {
    const problems: Array<string> = []
    for (const name of packageNames) {
      const dir = installed(name)
      const manifest = await readJson(Path.join(dir, "package.json"))
      const declared = new Set<string>([`${scope}/${name}`])
      for (const field of ["dependencies", "peerDependencies", "optionalDependencies"]) {
        for (const [dependency, range] of Object.entries(dependencyRecord(manifest, field))) {
          declared.add(dependency)
          if (range.startsWith("workspace:")) problems.push(`${name}: ${field}.${dependency} is ${range}`)
        }
      }
      for (const file of await walk(Path.join(dir, "dist"))) {
        if (!file.endsWith(".js") && !file.endsWith(".d.ts")) continue
        const source = await Fs.readFile(Path.join(dir, "dist", file), "utf8")
        for (const specifier of specifiers(source)) {
          const dependency = packageOf(specifier)
          if (dependency !== undefined && !declared.has(dependency)) {
            problems.push(`${name}: dist/${file} imports "${specifier}", which is not a dependency or peer`)
          }
        }
      }
    }
    expect(problems).toEqual([])
  })

  it("ship the sources their source maps point to", async () => {
    const missing: Array<string> = []
    for (const name of packageNames) {
      const dir = installed(name)
      const maps = (await walk(Path.join(dir, "dist"))).filter((file) => file.endsWith(".map"))
      expect(maps.length).toBeGreaterThan(0)
      for (const map of maps) {
        const { sources } = (await readJson(Path.join(dir, "dist", map))) as unknown as { sources: Array<string> }
        for (const source of sources) {
          const target = Path.resolve(Path.dirname(Path.join(dir, "dist", map)), source)
          const shipped = (await Fs.stat(target).catch(() => undefined))?.isFile() === true
          if (!shipped) missing.push(`${name}: dist/${map} → ${source}`)
        }
      }
    }
    expect(missing).toEqual([])
  })
})

describe("the export maps, as node resolves them", () => {
  it("open each package's package.json and close internal modules and the simulator's command-line entry", async () => {
    const probe = [
      "const results = {}",
      "for (const specifier of JSON.parse(process.argv[1])) {",
      "  try { await import(specifier, specifier.endsWith('.json') ? { with: { type: 'json' } } : undefined); results[specifier] = 'ok' }",
      "  catch (error) { results[specifier] = error.code ?? String(error) }",
      "}",
      "console.log(JSON.stringify(results))"
    ].join("\n")
    const specifiers = [
      ...packageNames.map((name) => `${scope}/${name}/package.json`),
      `${scope}/simulator/bin`,
      `${scope}/simulator/dist/bin.js`,
      `${scope}/client/internal/transport`,
      `${scope}/core/internal/retry`,
      `${scope}/promise/Client`
    ]
    const result = await run(process.execPath, ["--input-type=module", "-e", probe, JSON.stringify(specifiers)], projectDir, 30_000)
    expect(result.code, result.output).toBe(0)
    expect(JSON.parse(result.stdout.trim())).toEqual({
      ...Object.fromEntries(packageNames.map((name) => [`${scope}/${name}/package.json`, "ok"])),
      [`${scope}/simulator/bin`]: "ERR_PACKAGE_PATH_NOT_EXPORTED",
      [`${scope}/simulator/dist/bin.js`]: "ERR_PACKAGE_PATH_NOT_EXPORTED",
      [`${scope}/client/internal/transport`]: "ERR_PACKAGE_PATH_NOT_EXPORTED",
      [`${scope}/core/internal/retry`]: "ERR_PACKAGE_PATH_NOT_EXPORTED",
      [`${scope}/promise/Client`]: "ERR_PACKAGE_PATH_NOT_EXPORTED"
    })
  })
})

describe("a consumer's strict type-check (skipLibCheck: false)", () => {
  it("covers every public module of every package", () => {
    for (const name of packageNames) expect(publicModules).toContain(`${scope}/${name}`)
    expect(publicModules).toContain(`${scope}/client/Tracking`)
    expect(publicModules.length).toBeGreaterThan(packageNames.length * 2)
  })

  it("passes under module NodeNext, moduleResolution NodeNext", async () => {
    const result = await checkNodeNext
    expect(result.output.trim()).toBe("")
    expect(result.code).toBe(0)
  })

  it("passes under module ESNext, moduleResolution Bundler, exactOptionalPropertyTypes", async () => {
    const result = await checkBundler
    expect(result.output.trim()).toBe("")
    expect(result.code).toBe(0)
  })
})

describe("the other supported TypeScript versions (skipLibCheck: false)", () => {
  it(`the lowest, ${supported.typescriptLowest}, passes under NodeNext`, async () => {
    const result = (await checkOthers)[`tsc ${supported.typescriptLowest} nodenext`]
    expect(result?.output.trim()).toBe("")
    expect(result?.code).toBe(0)
  })

  it(`the current, ${supported.typescriptCurrent}, passes under NodeNext and Bundler`, async () => {
    const results = await checkOthers
    for (const config of ["nodenext", "bundler"]) {
      const result = results[`tsc ${supported.typescriptCurrent} ${config}`]
      expect(result?.output.trim(), config).toBe("")
      expect(result?.code, config).toBe(0)
    }
  })
})

/** What the program prints; the simulator is new in each run, so the same numbers can be created again. */
const expectedReport = {
  effect: { created: "CONSUMER0001", status: "pending", invalid: "TrackingNumberRequired 4013" },
  promise: { created: "CONSUMER0002", status: "pending", missing: "TrackingNotFound 4017" },
  redisLayer: true,
  decoded: { trackingNumber: "CONSUMER0003", code: 4016 }
}

describe("the consumer program", () => {
  it("runs with node: the simulator, the Effect client and the Promise facade", async () => {
    await checkNodeNext
    const result = await timed("run", () => run(process.execPath, [Path.join("out", "main.js")], projectDir, 60_000))
    expect(result.code, result.output).toBe(0)
    const lines = result.stdout.trim().split("\n")
    expect(JSON.parse(lines[lines.length - 1]!)).toEqual(expectedReport)
  })

  it(`runs with the current Node, ${supported.nodeCurrent}`, async () => {
    await checkNodeNext
    const node = await nodeCurrent
    const result = await timed(`run on node ${supported.nodeCurrent}`, () =>
      run(node, [Path.join("out", "main.js")], projectDir, 60_000))
    expect(result.code, result.output).toBe(0)
    const lines = result.stdout.trim().split("\n")
    expect(JSON.parse(lines[lines.length - 1]!)).toEqual(expectedReport)
  })
})
