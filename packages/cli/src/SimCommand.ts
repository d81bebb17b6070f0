/**
 * `trackingmore sim [flags]`: starts the simulator with exactly the flags of its own bin, by running that bin
 * (`trackingmore-simulator` of `@trackingmore-effect/simulator`, found through the package's `package.json`)
 * with them: one parser, so the flags cannot drift apart. Signals are passed on, and its exit code is returned.
 *
 * @since 0.1.0
 */
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import { spawn } from "node:child_process"
import { readFileSync } from "node:fs"
import { createRequire } from "node:module"
import { dirname, join } from "node:path"
import * as Stop from "./Stop.js"

/**
 * The path of the simulator's bin.
 *
 * @since 0.1.0
 * @category running
 */
export const binPath = (): string => {
  const require = createRequire(import.meta.url)
  const manifest = require.resolve("@trackingmore-effect/simulator/package.json")
  const { bin } = JSON.parse(readFileSync(manifest, "utf8")) as { readonly bin: Readonly<Record<string, string>> }
  const path = bin["trackingmore-simulator"]
  if (path === undefined) throw new Error("@trackingmore-effect/simulator has no trackingmore-simulator bin")
  return join(dirname(manifest), path)
}

const ownName = /trackingmore-simulator/g

/**
 * Runs the simulator's bin with `args` until it exits, its output passed through as it comes, and returns its
 * exit code. A usage error of the bin (exit code 2) is cut to its first line: the usage that follows it is what
 * `trackingmore sim --help` shows.
 *
 * @since 0.1.0
 * @category running
 */
export const run = (args: ReadonlyArray<string>): Effect.Effect<number, Stop.Stop> =>
  Effect.async<number, Stop.Stop>((resume) => {
    let path: string
    try {
      path = binPath()
    } catch (error) {
      resume(Effect.fail(Stop.failed(`trackingmore sim: the simulator cannot be found (${error instanceof Error ? error.message : String(error)}).`)))
      return
    }
    const child = spawn(process.execPath, [path, ...args], { stdio: ["inherit", "inherit", "pipe"] })
    let stderr = ""
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk))
    const forward = (signal: NodeJS.Signals) => () => child.kill(signal)
    const onInt = forward("SIGINT")
    const onTerm = forward("SIGTERM")
    process.on("SIGINT", onInt)
    process.on("SIGTERM", onTerm)
    child.on("error", (error) => {
      resume(Effect.fail(Stop.failed(`trackingmore sim: the simulator could not be started (${error.message}).`)))
    })
    child.on("close", (code, signal) => {
      process.off("SIGINT", onInt)
      process.off("SIGTERM", onTerm)
      const text = stderr.replace(ownName, "trackingmore sim").trimEnd()
      if (code === 2) {
        const first = text.split("\n")[0] ?? "invalid flags"
        resume(Effect.fail(Stop.usage(`trackingmore sim: ${first.replace(/\.$/, "")}. See trackingmore sim --help.`)))
        return
      }
      if (text !== "") process.stderr.write(`${text}\n`)
      resume(Effect.succeed(code ?? (signal === "SIGINT" || signal === "SIGTERM" ? 0 : 1)))
    })
    return Effect.sync(() => {
      child.kill("SIGTERM")
    })
  })

/**
 * The simulator's own usage, under this command's name.
 *
 * @since 0.1.0
 * @category help
 */
export const usage = (): Effect.Effect<string, Stop.Stop> =>
  Effect.async<string, Stop.Stop>((resume) => {
    const child = spawn(process.execPath, [binPath(), "--help"], { stdio: ["ignore", "pipe", "pipe"] })
    let out = ""
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (out += chunk))
    child.on("close", () => resume(Effect.succeed(out.replace(ownName, "trackingmore sim").trimEnd())))
    child.on("error", (error) => resume(Effect.fail(Stop.failed(`trackingmore sim: ${error.message}.`))))
  })

/**
 * The help of `trackingmore sim`: what it does, the simulator's flags and examples.
 *
 * @since 0.1.0
 * @category help
 */
export const help = (examples: ReadonlyArray<readonly [string, string]>): Effect.Effect<void, Stop.Stop> =>
  Effect.gen(function*() {
    const flags = yield* usage()
    yield* Console.log([
      "trackingmore sim: starts the TrackingMore simulator (@trackingmore-effect/simulator) with the flags of its",
      "own bin, trackingmore-simulator, and runs it until Ctrl-C (SIGINT) or SIGTERM.",
      "",
      flags,
      "",
      "EXAMPLES",
      "",
      ...examples.map(([line, what]) => `  ${line}\n      ${what}`)
    ].join("\n"))
  })

/**
 * The command as `@effect/cli` lists it; `Cli.run` hands `sim` to {@link run} before `@effect/cli` parses the
 * flags, since they are the simulator's.
 *
 * @since 0.1.0
 * @category commands
 */
export const command = Command.make(
  "sim",
  { flags: Args.text({ name: "flags" }).pipe(Args.repeated) },
  ({ flags }) =>
    Effect.flatMap(run(flags), (code) =>
      code === 0 ? Effect.void : Effect.fail(new Stop.Stop({ code, lines: [] })))
).pipe(Command.withDescription("Start the simulator, with the same flags as its own bin (trackingmore sim --help lists them)"))
