/**
 * The Promise facade installed the way its users install it: packed with `pnpm pack`, then added as a tarball to
 * projects outside the workspace that know nothing of Effect 3 —
 *
 * - an npm project whose root already depends on Effect 4 (what `npm i effect` gives today),
 * - a pnpm project,
 * - a plain npm project with nothing else in it,
 * - a Yarn project (node_modules linker) whose root depends on Effect 4 too.
 *
 * Each install must print no peer-dependency error or warning (none at all, in fact) and leave no other
 * package than the facade (and the project's own); the project's TypeScript program (fixture-promise) must
 * type-check with `skipLibCheck: false` and no Node or Effect types, then run against the simulator: create,
 * get, a TrackingNotFound, and an abort while the call waits for the rate limit. In the Effect 4 project an
 * Effect 4 program also calls the facade, side by side with the Effect 3 inside its bundle.
 */
import { Simulator } from "@trackingmore-effect/simulator"
import * as Fs from "node:fs/promises"
import * as Os from "node:os"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { Run } from "./support.js"
import { installNode, installTool, installTypeScript, run, versions } from "./support.js"

const toolDir = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "..")
const repoDir = Path.resolve(toolDir, "../..")
const facade = "@trackingmore-effect/promise"

interface Scenario {
  readonly name: string
  readonly manager: "npm" | "pnpm" | "yarn"
  /** What the project depends on besides the facade. */
  readonly dependencies: Readonly<Record<string, string>>
  readonly trackingNumber: string
}

const scenarios: ReadonlyArray<Scenario> = [
  { name: "npm, effect 4 at the root", manager: "npm", dependencies: { effect: "^4.0.0" }, trackingNumber: "INSTALL0001" },
  { name: "pnpm", manager: "pnpm", dependencies: {}, trackingNumber: "INSTALL0002" },
  { name: "npm, nothing else", manager: "npm", dependencies: {}, trackingNumber: "INSTALL0003" },
  { name: "yarn, effect 4 at the root", manager: "yarn", dependencies: { effect: "^4.0.0" }, trackingNumber: "INSTALL0006" }
]

interface Installed {
  readonly dir: string
  readonly install: Run
  readonly check: Run
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

let tempDir = ""
let tarball = ""
let yarn = ""
/** The lowest and the current TypeScript for the facade, and the current Node. */
let tools: Promise<{ readonly tscLowest: string; readonly tscCurrent: string; readonly nodeCurrent: string }> | undefined
let sim: Simulator.SimulatorServer | undefined
const installed = new Map<string, Promise<Installed>>()

/** Installs the tarball into a new project of the scenario's package manager and type-checks the program there. */
const setUp = async (scenario: Scenario, index: number): Promise<Installed> => {
  const dir = Path.join(tempDir, `project-${index}`)
  await Fs.cp(Path.join(toolDir, "fixture-promise"), dir, { recursive: true })
  await Fs.writeFile(
    Path.join(dir, "package.json"),
    JSON.stringify(
      {
        name: `promise-consumer-${index}`,
        private: true,
        type: "module",
        dependencies: { [facade]: `file:${tarball}`, ...scenario.dependencies }
      },
      null,
      2
    )
  )
  // Packages come from the package manager's cache when it has them.
  await Fs.writeFile(
    Path.join(dir, ".npmrc"),
    ["prefer-offline=true", "fund=false", "audit=false", "update-notifier=false", ""].join("\n")
  )
  if (scenario.manager === "yarn") {
    // Yarn asks the registry npm is set up for, trusting the certificates npm trusts (a machine behind a TLS
    // proxy has its CA in npm's `cafile`); its packages stay in Yarn's global cache between runs.
    const npmConfig = async (key: string) => (await run("npm", ["config", "get", key], dir, 30_000)).stdout.trim()
    const registry = await npmConfig("registry")
    const cafile = await npmConfig("cafile")
    await Fs.writeFile(
      Path.join(dir, ".yarnrc.yml"),
      [
        `nodeLinker: node-modules`,
        `npmRegistryServer: ${JSON.stringify(registry)}`,
        ...(cafile === "" || cafile === "null" || cafile === "undefined" ? [] : [`httpsCaFilePath: ${JSON.stringify(cafile)}`]),
        `enableTelemetry: false`,
        ""
      ].join("\n")
    )
    await Fs.writeFile(Path.join(dir, "yarn.lock"), "")
  }
  const install = await timed(`install (${scenario.name})`, () =>
    scenario.manager === "npm"
      ? run("npm", ["install", "--loglevel=warn"], dir, 240_000)
      : scenario.manager === "pnpm"
      ? run("pnpm", ["install", "--reporter=append-only"], dir, 240_000, { CI: "true" })
      : // A new project writes its lockfile, also on CI (where Yarn would refuse to by default).
        run(process.execPath, [yarn, "install"], dir, 240_000, { YARN_ENABLE_IMMUTABLE_INSTALLS: "false" }))
  const tsc = Path.join(toolDir, "node_modules", "typescript", "bin", "tsc")
  const check = await timed(`tsc (${scenario.name})`, () =>
    run(process.execPath, [tsc, "-p", "tsconfig.json", "--pretty", "false"], dir, 120_000))
  return { dir, install, check }
}

const get = (scenario: Scenario): Promise<Installed> => {
  const found = installed.get(scenario.name)
  if (found === undefined) throw new Error(`${scenario.name} was not set up`)
  return found
}

beforeAll(async () => {
  tempDir = await Fs.mkdtemp(Path.join(Os.tmpdir(), "trackingmore-promise-install-"))
  const relative = Path.relative(repoDir, tempDir)
  if (!relative.startsWith("..") && !Path.isAbsolute(relative)) {
    throw new Error(`the projects must live outside the workspace, got ${tempDir}`)
  }
  const packed = await timed("pack", () =>
    run("pnpm", ["pack", "--pack-destination", tempDir, "--json"], Path.join(repoDir, "packages", "promise"), 60_000))
  if (packed.code !== 0) throw new Error(`pnpm pack failed:\n${packed.output}`)
  tarball = (JSON.parse(packed.stdout) as { filename: string }).filename
  const toolsDir = Path.join(tempDir, "tools")
  tools = timed("install TypeScript and Node", async () => {
    const [tscLowest, tscCurrent, nodeCurrent] = await Promise.all([
      installTypeScript(toolsDir, versions.typescriptLowestPromise),
      installTypeScript(toolsDir, versions.typescriptCurrent),
      installNode(toolsDir, versions.nodeCurrent)
    ])
    return { tscLowest, tscCurrent, nodeCurrent }
  })
  // Awaited by the tests of the other versions, which report a failed install.
  tools.catch(() => {})
  yarn = await timed("install yarn", async () =>
    Path.join(await installTool(toolsDir, "@yarnpkg/cli-dist", versions.yarn), "bin", "yarn.js"))
  // The server side of the rate limit raised: the client's own limit is what the abort waits for.
  sim = await Simulator.startServer({ rateLimits: { default: 100, list: 100, realtime: 100 } })
  // One after the other: two cores, and the package managers' caches are shared.
  for (const [index, scenario] of scenarios.entries()) {
    const setup = setUp(scenario, index)
    installed.set(scenario.name, setup)
    await setup
  }
})

afterAll(async () => {
  console.log(`promise install test timings (ms): ${JSON.stringify(timings)}`)
  await sim?.close()
  if (tempDir !== "" && process.env.CONSUMER_TEST_KEEP === undefined) {
    await Fs.rm(tempDir, { recursive: true, force: true })
  }
})

describe.each(scenarios)("the Promise facade installed into a project: $name", (scenario) => {
  it("installs with nothing printed: no peer error, no warning", async () => {
    const { install } = await get(scenario)
    console.log(`${scenario.manager} install (${scenario.name}), exit code ${install.code}, output:\n${install.output.trim() === "" ? "(nothing)" : install.output}`)
    expect(install.code, install.output).toBe(0)
    expect(install.output).not.toMatch(/peer|ERESOLVE|WARN|ERR/i)
    // npm says what it added and nothing else; pnpm lists what it resolved and added.
    if (scenario.manager === "npm") expect(install.output.trim()).toMatch(/^added \d+ packages? in [\d.]+m?s$/)
  })

  it("brings nothing but itself", async () => {
    const { dir } = await get(scenario)
    const manifest = JSON.parse(await Fs.readFile(Path.join(dir, "node_modules", facade, "package.json"), "utf8")) as {
      readonly dependencies?: Record<string, string>
      readonly peerDependencies?: Record<string, string>
    }
    expect(manifest.dependencies ?? {}).toEqual({})
    expect(manifest.peerDependencies).toBeUndefined()
    if (scenario.manager === "npm") {
      const lock = JSON.parse(await Fs.readFile(Path.join(dir, "package-lock.json"), "utf8")) as {
        readonly packages: Record<string, { readonly version?: string }>
      }
      const effects = Object.entries(lock.packages).filter(([path]) => path.endsWith("node_modules/effect"))
      if ("effect" in scenario.dependencies) {
        // The project's own Effect 4, once; the facade's Effect 3 is inside its bundle, not installed.
        expect(effects.map(([path, entry]) => [path, entry.version?.split(".")[0]])).toEqual([["node_modules/effect", "4"]])
      } else {
        expect(Object.keys(lock.packages).filter((path) => path !== "")).toEqual([`node_modules/${facade}`])
      }
    } else if (scenario.manager === "pnpm") {
      const names = (await Fs.readdir(Path.join(dir, "node_modules"))).filter((name) => !name.startsWith("."))
      expect(names).toEqual(["@trackingmore-effect"])
      expect(await Fs.readdir(Path.join(dir, "node_modules", ".pnpm"))).not.toContainEqual(expect.stringMatching(/^effect@/))
    } else {
      // Yarn's node_modules: the facade and the project's own Effect 4, nothing nested under the facade.
      const names = (await Fs.readdir(Path.join(dir, "node_modules"))).filter((name) => !name.startsWith("."))
      expect(names.sort()).toEqual(["@trackingmore-effect", "effect"])
      const nested = await Fs.readdir(Path.join(dir, "node_modules", facade)).then((files) => files.includes("node_modules"))
      expect(nested).toBe(false)
    }
  })

  it("type-checks the program with skipLibCheck false, without Effect or Node types", async () => {
    const { check } = await get(scenario)
    expect(check.output.trim()).toBe("")
    expect(check.code).toBe(0)
  })

  it("runs create, get, a TrackingNotFound and an abort against the simulator", async () => {
    const { dir } = await get(scenario)
    const result = await timed(`run (${scenario.name})`, () =>
      run(process.execPath, [Path.join("out", "main.js")], dir, 60_000, {
        TRACKINGMORE_BASE_URL: sim!.baseUrl,
        TRACKING_NUMBER: scenario.trackingNumber
      }))
    expect(result.code, result.output).toBe(0)
    expect(JSON.parse(result.stdout.trim())).toEqual({
      created: scenario.trackingNumber,
      status: "pending",
      missing: "TrackingNotFound 4017",
      aborted: "AbortError",
      abortedWithinASecond: true
    })
  })
})

describe("the other supported versions, in the plain project", () => {
  const plain = scenarios[2]!

  it.each([
    ["lowest", versions.typescriptLowestPromise, "tscLowest"],
    ["current", versions.typescriptCurrent, "tscCurrent"]
  ] as const)("type-checks with the %s TypeScript (%s)", async (_which, version, tool) => {
    if (tools === undefined) throw new Error("the tools were not installed")
    const { dir } = await get(plain)
    const tsc = (await tools)[tool]
    const result = await timed(`tsc ${version}`, () =>
      run(process.execPath, [tsc, "-p", "tsconfig.json", "--noEmit", "--pretty", "false"], dir, 120_000))
    expect(result.output.trim()).toBe("")
    expect(result.code).toBe(0)
  })

  it(`runs on the current Node (${versions.nodeCurrent})`, async () => {
    if (tools === undefined) throw new Error("the tools were not installed")
    const { dir } = await get(plain)
    const { nodeCurrent } = await tools
    const result = await timed(`run on node ${versions.nodeCurrent}`, () =>
      run(nodeCurrent, ["-e", "console.log(process.version)"], dir, 30_000).then(async (version) => ({
        version: version.stdout.trim(),
        program: await run(nodeCurrent, [Path.join("out", "main.js")], dir, 60_000, {
          TRACKINGMORE_BASE_URL: sim!.baseUrl,
          TRACKING_NUMBER: "INSTALL0005"
        })
      })))
    expect(result.version).toBe(`v${versions.nodeCurrent}`)
    expect(result.program.code, result.program.output).toBe(0)
    expect(JSON.parse(result.program.stdout.trim())).toEqual({
      created: "INSTALL0005",
      status: "pending",
      missing: "TrackingNotFound 4017",
      aborted: "AbortError",
      abortedWithinASecond: true
    })
  })
})

describe("next to Effect 4", () => {
  it("an Effect 4 program calls the facade, whose Effect 3 stays inside its bundle", async () => {
    const { dir } = await get(scenarios[0]!)
    const result = await run(process.execPath, ["coexist.mjs"], dir, 60_000, { TRACKINGMORE_BASE_URL: sim!.baseUrl })
    expect(result.code, result.output).toBe(0)
    expect(JSON.parse(result.stdout.trim())).toEqual({ created: "INSTALL0004", status: "pending" })
    const effect = JSON.parse(await Fs.readFile(Path.join(dir, "node_modules", "effect", "package.json"), "utf8")) as {
      readonly version: string
    }
    expect(effect.version).toMatch(/^4\./)
  })
})
