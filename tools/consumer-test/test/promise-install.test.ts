/**
 * The Promise facade installed the way its users install it: packed with `pnpm pack`, then added as a tarball to
 * projects outside the workspace that know nothing of Effect 3 —
 *
 * - an npm project whose root already depends on Effect 4 (what `npm i effect` gives today),
 * - a pnpm project,
 * - a plain npm project with nothing else in it.
 *
 * Each install must print no peer-dependency error or warning (none at all, in fact) and leave no other
 * package than the facade (and the project's own); the project's TypeScript program (fixture-promise) must
 * type-check with `skipLibCheck: false` and no Node or Effect types, then run against the simulator: create,
 * get, a TrackingNotFound, and an abort while the call waits for the rate limit. In the Effect 4 project an
 * Effect 4 program also calls the facade, side by side with the Effect 3 inside its bundle.
 */
import { Simulator } from "@trackingmore-effect/simulator"
import { spawn } from "node:child_process"
import * as Fs from "node:fs/promises"
import * as Os from "node:os"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

const toolDir = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "..")
const repoDir = Path.resolve(toolDir, "../..")
const facade = "@trackingmore-effect/promise"

interface Run {
  readonly code: number | null
  readonly output: string
  readonly stdout: string
}

/** The environment without what pnpm and turbo set for their scripts (npm and pnpm read every `npm_config_*`). */
const childEnv = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^(npm_|pnpm_)/i.test(key) && key !== "NODE_OPTIONS" && key !== "INIT_CWD") env[key] = value
  }
  return { ...env, ...extra }
}

const run = (
  command: string,
  args: ReadonlyArray<string>,
  cwd: string,
  timeoutMs: number,
  env: Record<string, string> = {}
): Promise<Run> =>
  new Promise((resolve) => {
    const child = spawn(command, args, { cwd, env: childEnv(env), stdio: ["ignore", "pipe", "pipe"] })
    let stdout = ""
    let output = ""
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString()
      output += chunk.toString()
    })
    child.stderr.on("data", (chunk: Buffer) => {
      output += chunk.toString()
    })
    const timer = setTimeout(() => {
      output += `\n[killed after ${timeoutMs} ms]`
      child.kill("SIGKILL")
    }, timeoutMs)
    child.on("error", (error) => {
      clearTimeout(timer)
      resolve({ code: null, output: `${output}\n${String(error)}`, stdout })
    })
    child.on("close", (code) => {
      clearTimeout(timer)
      resolve({ code, output, stdout })
    })
  })

interface Scenario {
  readonly name: string
  readonly manager: "npm" | "pnpm"
  /** What the project depends on besides the facade. */
  readonly dependencies: Readonly<Record<string, string>>
  readonly trackingNumber: string
}

const scenarios: ReadonlyArray<Scenario> = [
  { name: "npm, effect 4 at the root", manager: "npm", dependencies: { effect: "^4.0.0" }, trackingNumber: "INSTALL0001" },
  { name: "pnpm", manager: "pnpm", dependencies: {}, trackingNumber: "INSTALL0002" },
  { name: "npm, nothing else", manager: "npm", dependencies: {}, trackingNumber: "INSTALL0003" }
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
  const install = await timed(`install (${scenario.name})`, () =>
    scenario.manager === "npm"
      ? run("npm", ["install", "--loglevel=warn"], dir, 240_000)
      : run("pnpm", ["install", "--reporter=append-only"], dir, 240_000, { CI: "true" }))
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
    } else {
      const names = (await Fs.readdir(Path.join(dir, "node_modules"))).filter((name) => !name.startsWith("."))
      expect(names).toEqual(["@trackingmore-effect"])
      expect(await Fs.readdir(Path.join(dir, "node_modules", ".pnpm"))).not.toContainEqual(expect.stringMatching(/^effect@/))
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
