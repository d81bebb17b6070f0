/**
 * The simulator in a process of its own, started with its bin's flags: `policy compare` runs its clients
 * against it, so that the clients' work never delays the simulator's clock (in one process, a busy moment of
 * the clients would hold back the server, and requests sent apart would arrive together).
 *
 * @since 0.1.0
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import { spawn } from "node:child_process"
import * as SimCommand from "./SimCommand.js"
import * as Stop from "./Stop.js"

/**
 * One request as the simulator logged it (the fields `policy compare` reads).
 *
 * @since 0.1.0
 * @category models
 */
export interface LogEntry {
  readonly simulatedAt: number
  readonly key: string | undefined
  readonly status: number
  readonly code: number | undefined
}

/**
 * A running simulator process.
 *
 * @since 0.1.0
 * @category models
 */
export interface SimProcess {
  readonly baseUrl: string
  /** What it logged, from its control surface. */
  readonly log: Effect.Effect<ReadonlyArray<LogEntry>, Stop.Stop>
}

/**
 * Starts the simulator's bin with `flags` (and `--port 0 --control`) for the scope, once it listens.
 *
 * @since 0.1.0
 * @category constructors
 */
export const start = (flags: ReadonlyArray<string>): Effect.Effect<SimProcess, Stop.Stop, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.async<{ readonly baseUrl: string; readonly origin: string; readonly stop: () => void }, Stop.Stop>((resume) => {
      const child = spawn(process.execPath, [SimCommand.binPath(), "--port", "0", "--control", ...flags], {
        stdio: ["ignore", "pipe", "pipe"]
      })
      let out = ""
      let err = ""
      let done = false
      child.stderr.setEncoding("utf8").on("data", (chunk: string) => (err += chunk))
      child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
        out += chunk
        const match = /listening on (http:\/\/\S+)/.exec(out)
        if (match !== null && !done) {
          done = true
          const baseUrl = match[1]!
          resume(Effect.succeed({ baseUrl, origin: new URL(baseUrl).origin, stop: () => child.kill("SIGTERM") }))
        }
      })
      child.on("close", (code) => {
        if (done) return
        done = true
        const first = err.trim().split("\n")[0] ?? `exit code ${code}`
        resume(Effect.fail(Stop.failed(`trackingmore policy compare: the simulator did not start (${first}).`)))
      })
      return Effect.sync(() => child.kill("SIGTERM"))
    }),
    (started) => Effect.sync(() => started.stop())
  ).pipe(
    Effect.map((started) => ({
      baseUrl: started.baseUrl,
      log: Effect.tryPromise({
        try: async () => {
          const response = await fetch(`${started.origin}/_control/log`)
          const body = (await response.json()) as { readonly entries: ReadonlyArray<LogEntry> }
          return body.entries
        },
        catch: (error) => Stop.failed(`trackingmore policy compare: the simulator's log cannot be read (${String(error)}).`)
      }).pipe(Effect.timeoutFail({
        duration: Duration.seconds(10),
        onTimeout: () => Stop.failed("trackingmore policy compare: the simulator's log did not come.")
      }))
    }))
  )
