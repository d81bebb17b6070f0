/**
 * The `trackingmore` command line and {@link run}, which turns a command line into an exit code: every problem
 * is printed once, in words, and never reaches the runtime as an error to log.
 *
 * @since 0.1.0
 */
import type * as CliApp from "@effect/cli/CliApp"
import * as Command from "@effect/cli/Command"
import * as HelpDoc from "@effect/cli/HelpDoc"
import * as ValidationError from "@effect/cli/ValidationError"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Argv from "./Argv.js"
import * as CodesCommand from "./CodesCommand.js"
import * as DoctorCommand from "./DoctorCommand.js"
import * as GateCommand from "./GateCommand.js"
import * as Output from "./Output.js"
import * as PolicyCommand from "./PolicyCommand.js"
import * as SimCommand from "./SimCommand.js"
import * as Stop from "./Stop.js"
import { readFileSync } from "node:fs"

/**
 * The version `--version` prints: the installed package's own, read from its `package.json`, so that it follows
 * every release.
 *
 * @since 0.1.0
 * @category constants
 */
export const version = (): string => {
  const manifest: unknown = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"))
  const found = typeof manifest === "object" && manifest !== null ? (manifest as { readonly version?: unknown }).version : undefined
  return typeof found === "string" ? found : "unknown"
}

const json = { names: ["--json"] }
const prefix = { names: ["--prefix"], example: "trackingmore:" }
const keyFromEnv = { names: ["--key-from-env"] }

/**
 * Every command with its options (for the checks `@effect/cli` leaves to the app) and its examples.
 *
 * @since 0.1.0
 * @category commands
 */
export const spec: Argv.ProgramSpec = {
  name: "trackingmore",
  commands: [
    {
      path: ["codes"],
      options: [{ names: ["--category"], example: "billing" }, json],
      examples: [
        ["trackingmore codes", "every code with its tag, category and default decision"],
        ["trackingmore codes --category billing", "the codes of one category"],
        ["trackingmore codes --json", "the catalogue as JSON, with each code's meaning"]
      ]
    },
    {
      path: ["explain"],
      options: [json],
      examples: [
        ["trackingmore explain 429", "a code: meaning, decision with its numbers, what the client does, what to do"],
        ["trackingmore explain NotRegistered", "a tag, in any case"],
        ["trackingmore explain TransportError --json", "an error without a code, as JSON"]
      ]
    },
    {
      path: ["policy", "timeline"],
      options: [
        { names: ["--config"], example: "policy.json" },
        { names: ["--seed"], example: "7" },
        { names: ["--svg"], example: "timeline.svg" },
        { names: ["--not-idempotent"] },
        json
      ],
      examples: [
        ["trackingmore policy timeline 503 503 429 200", "what the default policy does to two 503s and a 429"],
        ["trackingmore policy timeline 500 500 200 --not-idempotent", "a write that is not safe to repeat"],
        ["trackingmore policy timeline 503 503 503 200 --config policy.json --seed 7", "your own policy, other jitter draws"],
        ["trackingmore policy timeline 503 reset 429 200 --svg timeline.svg", "the same as a picture for a design doc"]
      ]
    },
    {
      path: ["policy", "compare"],
      options: [
        { names: ["--clients"], example: "10" },
        { names: ["--calls"], example: "20" },
        { names: ["--faults"], example: "503:0.1,429:0.02" },
        { names: ["--policy"], example: "policy.json" },
        { names: ["--time-scale"], example: "0.01" },
        { names: ["--seed"], example: "7" },
        json
      ],
      examples: [
        ["trackingmore policy compare", "the default policy next to no jitter, ±20% jitter and no shared cooldown"],
        ["trackingmore policy compare --clients 10 --calls 10 --faults 503:0.2", "more clients, a worse day"],
        ["trackingmore policy compare --policy a.json --policy b.json", "two policies of your own"]
      ]
    },
    {
      path: ["doctor"],
      options: [{ names: ["--prefix"], example: "trackingmore:" }, json],
      examples: [
        ["TRACKINGMORE_API_KEY=… trackingmore doctor", "the key, the balance, the latency, the limits, the gate"],
        ["TRACKINGMORE_API_KEY=… REDIS_URL=redis://redis:6379 trackingmore doctor", "with the fleet's gate in Redis"]
      ]
    },
    {
      path: ["gate", "status"],
      options: [prefix, keyFromEnv, json],
      examples: [
        ["trackingmore gate status", "every key fingerprint's gate in the Redis of REDIS_URL"],
        ["trackingmore gate status --key-from-env", "the gate of TRACKINGMORE_API_KEY's fingerprint"]
      ]
    },
    {
      path: ["gate", "reset"],
      options: [prefix, keyFromEnv],
      examples: [
        ["trackingmore gate reset 3f2a9c0e11d2b7a4", "lift a halt or a cooldown for every process"],
        ["trackingmore gate reset --key-from-env", "the same for TRACKINGMORE_API_KEY's fingerprint"]
      ]
    },
    {
      path: ["gate", "halt"],
      options: [prefix, keyFromEnv, { names: ["--reason"], example: "\"incident 42\"" }, { names: ["--for"], example: "30m" }],
      examples: [
        ["trackingmore gate halt --key-from-env --reason \"incident 42\"", "stop the key for every process until reset"],
        ["trackingmore gate halt 3f2a9c0e11d2b7a4 --reason \"migration\" --for 30m", "for half an hour"]
      ]
    },
    {
      path: ["sim"],
      options: [],
      examples: [
        ["trackingmore sim --port 4000", "a simulator on port 4000 at real speed"],
        ["trackingmore sim --time-scale 0.01 --faults reset:0.05,503:0.05 --control", "a hundred times faster, with faults"]
      ]
    }
  ]
}

const trackingmore = Command.make("trackingmore").pipe(
  Command.withDescription(
    "TrackingMore at the command line: the status codes, the retry policy, the shared gate and the simulator"
  ),
  Command.withSubcommands([
    CodesCommand.codes,
    CodesCommand.explain,
    PolicyCommand.policy,
    DoctorCommand.command,
    GateCommand.gate,
    SimCommand.command
  ])
)

const footer = HelpDoc.blocks([
  HelpDoc.h1("ENVIRONMENT"),
  HelpDoc.p(
    "TRACKINGMORE_API_KEY (doctor, gate --key-from-env; never printed), TRACKINGMORE_BASE_URL (doctor), " +
      "REDIS_URL and REDIS_PREFIX (gate, doctor), NO_COLOR (no colours; there are none when the output is not a terminal)."
  ),
  HelpDoc.h1("EXIT CODES"),
  HelpDoc.p(
    `${Stop.exitCode.ok}: done, all is well; ${Stop.exitCode.failed}: a check found a problem or the work could not be ` +
      `done (Redis does not answer); ${Stop.exitCode.usage}: the command line or a file it names is wrong.`
  )
])

// Built when it runs: the version is read from the package then, not when the module loads.
const cli = (args: ReadonlyArray<string>) =>
  Command.run(trackingmore, { name: "trackingmore", version: version(), footer })(args)

const examplesText = (examples: ReadonlyArray<readonly [string, string]>): string => {
  const paint = Output.stdout
  return [paint.bold("EXAMPLES"), "", ...examples.map(([line, what]) => `  ${line}\n      ${paint.dim(what)}`), ""].join("\n")
}

/**
 * Runs `trackingmore` on `argv` (`process.argv`: runtime, script, then the arguments) and returns the exit code.
 * Usage errors are printed by `@effect/cli` or by `Argv`, once; a failed command prints its own sentences.
 *
 * @since 0.1.0
 * @category running
 */
export const run = (argv: ReadonlyArray<string>): Effect.Effect<number, never, CliApp.CliApp.Environment> =>
  Output.withPlainConsole(Effect.suspend(() => {
    const [runtime = "node", script = "trackingmore", ...args] = argv
    const located = Argv.locate(spec, args)
    if (located.path[0] === "sim") {
      // the simulator's flags are the simulator's to read
      const rest = args.filter((_, i) => i !== located.indices[0])
      const sim = Argv.asksForHelp(rest)
        ? Effect.as(SimCommand.help(spec.commands.find((c) => c.path[0] === "sim")!.examples), 0)
        : SimCommand.run(rest)
      return finish(sim)
    }
    const problem = Argv.usageProblem(spec, args)
    if (Option.isSome(problem)) return Effect.as(Console.error(problem.value), Stop.exitCode.usage)
    const examples = Argv.examplesOf(spec, args)
    return finish(
      cli([runtime, script, ...Argv.withFullHelpName(spec, args)]).pipe(
        Effect.zipRight(examples.length === 0 ? Effect.void : Console.log(examplesText(examples))),
        Effect.as<number>(Stop.exitCode.ok)
      )
    )
  }))

const finish = <E, R>(effect: Effect.Effect<number, E | Stop.Stop, R>): Effect.Effect<number, never, R> =>
  Effect.catchAll(effect, (error) =>
    ValidationError.isValidationError(error)
      // @effect/cli has printed it (in words) before failing with it
      ? Effect.succeed(Stop.exitCode.usage)
      : error instanceof Stop.Stop
      ? Effect.as(Effect.forEach(error.lines, (line) => Console.error(line), { discard: true }), error.code)
      : Effect.as(Console.error(`trackingmore: ${String(error)}`), Stop.exitCode.failed))
