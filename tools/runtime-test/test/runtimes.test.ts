/**
 * The Effect client and the Promise facade outside Node. Each fixture (fixture/client.ts, fixture/promise.ts) is
 * bundled by esbuild for the web platform — no `node:` module can be resolved there, so a bundle that builds
 * imports none — and then creates and reads a tracking against the simulator (which runs in this Node process):
 *
 * - in Vercel's edge runtime (`@edge-runtime/vm`): a V8 context with the Web APIs only (`fetch`, WebCrypto,
 *   `AbortController`), no `process`, no `require`;
 * - in Deno, installed from the npm registry (the `deno` package and its platform binary), allowed to reach
 *   nothing but the simulator's address.
 *
 * Cloudflare's workerd (through miniflare) is not run here: it is one more 100 MB binary for the same question
 * the edge runtime already answers. Browsers are not a target (the API key would be exposed).
 */
import { EdgeVM } from "@edge-runtime/vm"
import { Simulator } from "@trackingmore-effect/simulator"
import * as esbuild from "esbuild"
import { spawn } from "node:child_process"
import * as Fs from "node:fs/promises"
import { createRequire } from "node:module"
import * as Os from "node:os"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import ts from "typescript"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

const toolDir = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "..")
const repoDir = Path.resolve(toolDir, "../..")
/** The Deno release the test installs (from npm's cache after the first run). */
const denoVersion = "2.9.6"
const fixtures = ["client", "promise"] as const
type Fixture = (typeof fixtures)[number]

interface Run {
  readonly code: number | null
  readonly output: string
  readonly stdout: string
}

/** The environment without what pnpm and turbo set for their scripts (npm reads every `npm_config_*`). */
const childEnv = (extra: Record<string, string>): NodeJS.ProcessEnv => {
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
let sim: Simulator.SimulatorServer | undefined
/** Each fixture bundled twice: a script for the edge runtime's context, an ES module for Deno. */
const bundles = new Map<Fixture, { readonly script: string; readonly module: string }>()
let deno: Promise<string> | undefined

/** Installs Deno with npm into the temporary folder; resolves with the path of its binary. */
const installDeno = async (): Promise<string> => {
  const dir = Path.join(tempDir, "deno")
  await Fs.mkdir(dir)
  await Fs.writeFile(Path.join(dir, "package.json"), JSON.stringify({ private: true }))
  // The platform binary is an optional dependency of `deno`; its install script only copies it, so none runs.
  const install = await timed("install deno", () =>
    run("npm", ["install", `deno@${denoVersion}`, "--ignore-scripts", "--prefer-offline", "--no-audit", "--no-fund"], dir, 240_000))
  if (install.code !== 0) throw new Error(`npm install deno failed:\n${install.output}`)
  const require = createRequire(Path.join(dir, "node_modules", "deno", "package.json"))
  const platform = `${process.platform}-${process.arch}${process.platform === "linux" ? "-glibc" : ""}`
  const binaryPackage = Path.dirname(require.resolve(`@deno/${platform}/package.json`))
  return Path.join(binaryPackage, process.platform === "win32" ? "deno.exe" : "deno")
}

beforeAll(async () => {
  tempDir = await Fs.mkdtemp(Path.join(Os.tmpdir(), "trackingmore-runtimes-"))
  deno = installDeno()
  // Awaited by the Deno tests, which report a failed install; the edge runtime's tests do not need it.
  deno.catch(() => {})
  sim = await Simulator.startServer({ rateLimits: { default: 100, list: 100, realtime: 100 } })
  for (const fixture of fixtures) {
    const common: esbuild.BuildOptions = {
      absWorkingDir: toolDir,
      entryPoints: [Path.join("fixture", `${fixture}.ts`)],
      bundle: true,
      write: false,
      target: "es2022",
      logLevel: "silent"
    }
    const [script, module] = await timed(`bundle ${fixture}`, () =>
      Promise.all([
        esbuild.build({ ...common, platform: "browser", format: "iife", globalName: "fixture" }),
        esbuild.build({ ...common, platform: "neutral", format: "esm", mainFields: ["module", "main"] })
      ]))
    bundles.set(fixture, { script: script.outputFiles![0]!.text, module: module.outputFiles![0]!.text })
  }
})

afterAll(async () => {
  console.log(`runtime test timings (ms): ${JSON.stringify(timings)}`)
  await sim?.close()
  if (tempDir !== "") await Fs.rm(tempDir, { recursive: true, force: true })
})

const bundle = (fixture: Fixture) => {
  const found = bundles.get(fixture)
  if (found === undefined) throw new Error(`${fixture} was not bundled`)
  return found
}

describe("no Node module in the client or the Promise facade", () => {
  it("their sources import no node: module", async () => {
    const found: Array<string> = []
    for (const dir of ["packages/client/src", "packages/promise/src"]) {
      const entries = await Fs.readdir(Path.join(repoDir, dir), { recursive: true, withFileTypes: true })
      for (const entry of entries.filter((e) => e.isFile() && e.name.endsWith(".ts"))) {
        const file = Path.join(entry.parentPath, entry.name)
        const source = await Fs.readFile(file, "utf8")
        // Read by TypeScript's scanner: an `import … from "node:http"` in a JSDoc example does not count.
        for (const { fileName } of ts.preProcessFile(source, true, true).importedFiles) {
          if (fileName.startsWith("node:")) found.push(`${Path.relative(repoDir, file)}: ${fileName}`)
        }
      }
    }
    expect(found).toEqual([])
  })

  it.each(fixtures)("the %s bundles for the browser and neutral platforms, with nothing left to import", (fixture) => {
    const { module, script } = bundle(fixture)
    expect(script.length).toBeGreaterThan(10_000)
    expect(module.match(/^\s*import\s[^;]*from\s*["'][^"']+["']/gm) ?? []).toEqual([])
  })
})

describe.each(fixtures)("the %s", (fixture) => {
  it("creates and reads a tracking in the edge runtime, which has no process and no require", async () => {
    const vm = new EdgeVM()
    expect(vm.evaluate("[typeof process, typeof require, typeof fetch, typeof crypto.subtle.digest]")).toEqual([
      "undefined",
      "undefined",
      "function",
      "function"
    ])
    vm.evaluate(bundle(fixture).script)
    const trackingNumber = `EDGE${fixture.toUpperCase()}1`
    const result = await timed(`edge ${fixture}`, () =>
      vm.evaluate(`fixture.run(${JSON.stringify(sim!.baseUrl)}, ${JSON.stringify(trackingNumber)})`) as Promise<string>)
    expect(JSON.parse(result)).toEqual({ created: trackingNumber, status: "pending" })
  })

  it("creates and reads a tracking in Deno, allowed to reach only the simulator", async () => {
    if (deno === undefined) throw new Error("Deno was not installed")
    const binary = await deno
    const dir = Path.join(tempDir, `deno-${fixture}`)
    await Fs.mkdir(dir)
    await Fs.writeFile(Path.join(dir, "bundle.mjs"), bundle(fixture).module)
    const trackingNumber = `DENO${fixture.toUpperCase()}1`
    await Fs.writeFile(
      Path.join(dir, "main.mjs"),
      `import { run } from "./bundle.mjs"\nconsole.log(await run(${JSON.stringify(sim!.baseUrl)}, ${JSON.stringify(trackingNumber)}))\n`
    )
    const host = new URL(sim!.baseUrl).host
    const result = await timed(`deno ${fixture}`, () =>
      run(binary, ["run", `--allow-net=${host}`, "--no-prompt", "--no-config", "main.mjs"], dir, 60_000, {
        DENO_DIR: Path.join(tempDir, "deno-cache"),
        DENO_NO_UPDATE_CHECK: "1",
        NO_COLOR: "1"
      }))
    expect(result.code, result.output).toBe(0)
    expect(JSON.parse(result.stdout.trim())).toEqual({ created: trackingNumber, status: "pending" })
  })
})
