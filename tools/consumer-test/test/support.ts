/**
 * What the consumer tests share: running a tool outside pnpm's environment, and the other versions of
 * TypeScript and Node that the README promises, installed with npm next to the projects under test.
 */
import { spawn } from "node:child_process"
import * as Fs from "node:fs/promises"
import * as Path from "node:path"

/**
 * The supported versions that are not the workspace's own (TypeScript 5.9, Node 20, Effect 3.22 — the lowest
 * Effect the peer ranges allow, and what the lockfile holds). The root README's table states the same.
 */
export const versions = {
  /** The lowest TypeScript for the Effect-native packages: Effect's declarations need 5.7's generic typed arrays. */
  typescriptLowest: "5.7.3",
  /** The lowest TypeScript for the Promise facade, whose declarations are plain TypeScript 5.0. */
  typescriptLowestPromise: "5.0.4",
  /** The current TypeScript (what `npm i typescript` installs). */
  typescriptCurrent: "7.0.2",
  /** The current Node release line; the lowest, 20, is the one that runs the tests. */
  nodeCurrent: "26.10.0",
  /** The Yarn of the yarn project (npm's `@yarnpkg/cli-dist`). */
  yarn: "4.18.1"
} as const

export interface Run {
  readonly code: number | null
  readonly output: string
  readonly stdout: string
}

/**
 * The environment of the tools run here, without what pnpm and turbo put in for their own scripts: npm and pnpm
 * read every `npm_config_*` variable as their configuration.
 */
export const childEnv = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^(npm_|pnpm_)/i.test(key) && key !== "NODE_OPTIONS" && key !== "INIT_CWD") env[key] = value
  }
  return { ...env, ...extra }
}

/** Runs a command to its end; a command that cannot start resolves with its error as output. */
export const run = (
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

/**
 * Installs one npm package (`name@version`) into a folder of its own under `dir`, from npm's cache when it has
 * it, without install scripts; resolves with the package's folder.
 */
export const installTool = async (dir: string, name: string, version: string): Promise<string> => {
  const target = Path.join(dir, `${name.replace("/", "+")}@${version}`)
  await Fs.mkdir(target, { recursive: true })
  await Fs.writeFile(Path.join(target, "package.json"), JSON.stringify({ private: true }))
  const install = await run(
    "npm",
    ["install", `${name}@${version}`, "--ignore-scripts", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error"],
    target,
    240_000
  )
  if (install.code !== 0) throw new Error(`npm install ${name}@${version} failed:\n${install.output}`)
  return Path.join(target, "node_modules", name)
}

/** The `tsc` of a TypeScript version, installed under `dir`. */
export const installTypeScript = async (dir: string, version: string): Promise<string> =>
  Path.join(await installTool(dir, "typescript", version), "bin", "tsc")

/** The `node` binary of a Node version for this platform (npm's `node-<platform>-<arch>` package), under `dir`. */
export const installNode = async (dir: string, version: string): Promise<string> =>
  Path.join(await installTool(dir, `node-${process.platform}-${process.arch}`, version), "bin", "node")
