/**
 * Runs one extracted program in a process of its own, pointed at a simulator by environment variables, and
 * compares what it printed with what the docs say it prints.
 */
import { spawn } from "node:child_process"
import { randomBytes } from "node:crypto"
import * as net from "node:net"
import { Simulator } from "@trackingmore-effect/simulator"

/** What a run produced. */
export interface Outcome {
  readonly exitCode: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
  readonly timedOut: boolean
  readonly durationMs: number
}

/**
 * Runs `file` with Node and tsx, in `cwd`, with `env` added to this process's environment (the
 * `TRACKINGMORE_*` variables of this process are dropped first, so a real key never reaches a block). The
 * process is killed after `timeoutMs`.
 */
export const runFile = (
  file: string,
  options: { readonly cwd: string; readonly env: Readonly<Record<string, string>>; readonly timeoutMs: number }
): Promise<Outcome> =>
  new Promise((resolve, reject) => {
    const env: Record<string, string> = {}
    for (const [key, value] of Object.entries(process.env)) {
      if (value !== undefined && !key.startsWith("TRACKINGMORE_")) env[key] = value
    }
    Object.assign(env, options.env)
    const started = Date.now()
    const child = spawn(process.execPath, ["--import", "tsx", file], { cwd: options.cwd, env, stdio: ["ignore", "pipe", "pipe"] })
    let stdout = ""
    let stderr = ""
    let timedOut = false
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk))
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk))
    const timer = setTimeout(() => {
      timedOut = true
      child.kill("SIGKILL")
    }, options.timeoutMs)
    child.on("error", (error) => {
      clearTimeout(timer)
      reject(error)
    })
    child.on("close", (exitCode, signal) => {
      clearTimeout(timer)
      resolve({ exitCode, signal, stdout, stderr, timedOut, durationMs: Date.now() - started })
    })
  })

/**
 * The simulator options every run starts from: a hundredth of real time, so the simulator's rate windows and
 * its 120 s penalty are short while a tracking stays in its first status for 18 real seconds (longer than any
 * block runs), which keeps printed statuses stable. The client's own waits (its rate limiter, its re-polls)
 * are real time whatever the simulator does.
 */
export const defaultSimulatorOptions: Simulator.Options = { timeScale: 0.01, seed: 1 }

/**
 * Runs `file` against a simulator of its own, started with `simulatorOptions` over the defaults and one fresh
 * API key (so that no state shared through Redis by key carries over from another run), given to the program as
 * `TRACKINGMORE_API_KEY` with the simulator's URL as `TRACKINGMORE_BASE_URL`.
 */
export const runAgainstSimulator = async (
  file: string,
  options: {
    readonly cwd: string
    readonly timeoutMs: number
    readonly simulator: Readonly<Record<string, unknown>>
    readonly env?: Readonly<Record<string, string>>
  }
): Promise<Outcome> => {
  const key = `docs-test-${randomBytes(6).toString("hex")}`
  const simulatorOptions = { ...defaultSimulatorOptions, ...options.simulator } as Simulator.Options
  const sim = await Simulator.startServer({
    ...simulatorOptions,
    keys: [{ key }, ...(simulatorOptions.keys ?? Simulator.defaultKeys)]
  })
  try {
    return await runFile(file, {
      cwd: options.cwd,
      timeoutMs: options.timeoutMs,
      env: { ...options.env, TRACKINGMORE_API_KEY: key, TRACKINGMORE_BASE_URL: sim.baseUrl }
    })
  } finally {
    await sim.close()
  }
}

/** Trailing blanks of each line and trailing empty lines do not count. */
export const normalizeOutput = (text: string): string =>
  text.split(/\r?\n/).map((line) => line.trimEnd()).join("\n").replace(/\n+$/, "")

/**
 * Why a run does not match the docs, or `undefined` when it does: it must end with exit code 0 within its time
 * and print exactly the expected text.
 */
export const mismatch = (
  where: string,
  outcome: Outcome,
  expected: { readonly text: string; readonly where: string }
): string | undefined => {
  const actual = normalizeOutput(outcome.stdout)
  const wanted = normalizeOutput(expected.text)
  const details = () =>
    `\n--- printed (stdout):\n${indent(actual)}\n--- stderr:\n${indent(normalizeOutput(outcome.stderr))}`
  if (outcome.timedOut) {
    return `${where}: the block did not finish within ${Math.round(outcome.durationMs / 1000)} s${details()}`
  }
  if (outcome.exitCode !== 0) {
    return `${where}: the block failed (exit code ${outcome.exitCode ?? outcome.signal})${details()}`
  }
  if (actual !== wanted) {
    return `${where}: the block printed something else than its output block (${expected.where}) says` +
      `\n--- the docs say:\n${indent(wanted)}${details()}`
  }
  return undefined
}

const indent = (text: string): string => text === "" ? "    (nothing)" : text.split("\n").map((line) => `    ${line}`).join("\n")

/** Whether the Redis at `url` answers a PING within a second. */
export const redisAnswers = (url: string): Promise<boolean> =>
  new Promise((resolve) => {
    const { hostname, port } = new URL(url)
    const socket = net.connect({ host: hostname || "127.0.0.1", port: Number(port || 6379) })
    let answer = ""
    const done = (ok: boolean) => {
      socket.destroy()
      resolve(ok)
    }
    socket.setTimeout(1000, () => done(false))
    socket.on("error", () => done(false))
    socket.on("connect", () => socket.write("PING\r\n"))
    socket.on("data", (chunk) => {
      answer += chunk.toString("utf8")
      // +PONG, or -NOAUTH when the URL carries credentials: either way a Redis is there
      if (answer.includes("\r\n")) done(answer.startsWith("+PONG") || answer.startsWith("-NOAUTH"))
    })
  })
