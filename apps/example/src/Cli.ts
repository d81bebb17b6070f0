/**
 * The `track` commands (`@effect/cli`) and {@link run}, which turns a command line into an exit code: every
 * problem is printed once, in words, and never reaches the runtime as an error to log.
 */
import type * as CliApp from "@effect/cli/CliApp"
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as HelpDoc from "@effect/cli/HelpDoc"
import * as Options from "@effect/cli/Options"
import * as ValidationError from "@effect/cli/ValidationError"
import * as FileSystem from "@effect/platform/FileSystem"
import * as Console from "effect/Console"
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Argv from "./Argv.js"
import * as Backend from "./Backend.js"
import * as Csv from "./Csv.js"
import * as Durations from "./Durations.js"
import * as Import from "./Import.js"
import * as Progress from "./Progress.js"
import * as Report from "./Report.js"
import * as Status from "./Status.js"
import * as WebhookReceiver from "./WebhookReceiver.js"

/** The exit codes of `track`. */
export const exitCode = {
  /** Everything done: every shipment final, or the tracking shown. */
  ok: 0,
  /** The work did not succeed: a shipment failed, the file holds no shipment, the API answered an error. */
  failed: 1,
  /** The command line is wrong: a missing argument or value, an unknown option, a file that is not there. */
  usage: 2
} as const

/** A command that ends without success: the lines to print on stderr and the exit code. */
export class Stop extends Data.TaggedError("Stop")<{
  readonly code: number
  readonly lines: ReadonlyArray<string>
}> {}

const embedded = Backend.defaultDurations(true)
const direct = Backend.defaultDurations(false)
const simulatedMinuteMs = 60 * Backend.embeddedTimeScale * 1000

const duration = (name: string) =>
  Options.text(name).pipe(
    Options.withPseudoName("duration"),
    Options.mapEffect((text) =>
      Option.match(Durations.parse(text), {
        onNone: () =>
          Effect.fail(ValidationError.invalidValue(HelpDoc.p(
            `--${name}: "${text}" is not a duration of more than zero (e.g. ${Durations.examplesText})`
          ))),
        onSome: Effect.succeed
      })
    ),
    Options.optional
  )

const importCommand = Command.make(
  "import",
  {
    file: Args.file({ name: "file.csv", exists: "yes" }).pipe(
      Args.withDescription("CSV with columns tracking_number, carrier_code and optionally title, customer_name, order_id…")
    ),
    pollInterval: duration("poll-interval").pipe(
      Options.withDescription(
        `time between poll rounds, e.g. ${Durations.examplesText} (default: ${Duration.format(direct.pollInterval)} ` +
          `against the API, ${Duration.format(embedded.pollInterval)} of simulated time with the embedded simulator)`
      )
    ),
    deadline: duration("deadline").pipe(
      Options.withDescription(
        `shipments not final this long after the start fail with NotFinal (default: ${Duration.format(direct.pollDeadline)} ` +
          `against the API, ${Duration.format(embedded.pollDeadline)} of simulated time with the embedded simulator)`
      )
    ),
    follow: Options.choice("follow", ["polling", "webhook"]).pipe(
      Options.withDefault("polling" as const),
      Options.withDescription(
        "how shipments are followed once created: polling (list calls until final), or webhook (a local receiver " +
          "takes the simulator's signed pushes: no list call; embedded simulator only)"
      )
    )
  },
  ({ deadline, file, follow, pollInterval }) =>
    Effect.gen(function*() {
      const fs = yield* FileSystem.FileSystem
      const csv = yield* fs.readFileString(file).pipe(
        Effect.mapError((error) =>
          new Stop({ code: exitCode.usage, lines: [`track import: cannot read ${file} (${error.message})`] })
        )
      )
      // The file is judged before anything starts: an empty one is neither a run nor a failed shipment.
      const sheet = yield* Either.mapLeft(
        Csv.readShipments(csv),
        (invalid) => new Stop({ code: exitCode.failed, lines: [`Cannot import ${file}: ${invalid.message}.`] })
      )
      if (sheet.shipments.length === 0 && sheet.rejected.length === 0) {
        return yield* new Stop({ code: exitCode.failed, lines: [Report.nothingToImport(file)] })
      }
      yield* Effect.scoped(Effect.gen(function*() {
        const backend = yield* Backend.fromEnvironment
        for (const line of backend.banner) yield* Console.log(line)
        // The user's durations and the defaults are both in the backend's time; the client waits real time.
        const interval = Option.getOrElse(pollInterval, () => backend.pollInterval)
        const until = Option.getOrElse(deadline, () => backend.pollDeadline)
        const simulated = Option.isSome(backend.simulator) ? " of simulated time" : ""
        let receiver: WebhookReceiver.Receiver | undefined
        if (follow === "webhook") {
          if (Option.isNone(backend.simulator)) {
            return yield* new Stop({
              code: exitCode.usage,
              lines: [
                "track import --follow webhook runs on the embedded simulator only (unset TRACKINGMORE_API_KEY): " +
                "against the API, TrackingMore pushes to the public URL registered in its admin, not to this machine."
              ]
            })
          }
          const sim = backend.simulator.value
          receiver = yield* WebhookReceiver.start(WebhookReceiver.embeddedEmail).pipe(
            Effect.mapError((error) =>
              new Stop({ code: exitCode.failed, lines: [`track import: cannot start the webhook receiver (${error.message})`] })
            )
          )
          sim.setWebhooks({
            urls: [receiver.url],
            email: Redacted.value(WebhookReceiver.embeddedEmail),
            faults: Backend.embeddedWebhookFaults
          })
          yield* Console.log(
            `Following by webhook: receiver at ${receiver.url}, the simulator pushes every status change there ` +
              `(signed; ${Backend.embeddedWebhookFaultsText}); waiting at most ${Duration.format(until)}${simulated}.`
          )
        } else {
          yield* Console.log(`Polling every ${Duration.format(interval)} for at most ${Duration.format(until)}${simulated}.`)
        }
        const summary = yield* Import.runImport({
          sheet,
          pollInterval: Backend.toRealTime(interval, backend.timeScale),
          pollDeadline: Backend.toRealTime(until, backend.timeScale),
          progress: Progress.forStream(process.stdout),
          follow: receiver === undefined ? { _tag: "Polling" } : { _tag: "Webhook", updates: receiver.updates }
        }).pipe(Effect.provide(backend.client))
        if (receiver !== undefined) {
          // Pushes stop before the receiver does (the scope closes it first); the attempts already on the wire
          // finish (loopback: milliseconds), so that both sides count the same deliveries below.
          Option.map(backend.simulator, (sim) => sim.setWebhooks(undefined))
          yield* Effect.sleep("200 millis")
        }
        const counters = Option.getOrUndefined(Option.map(backend.simulator, (sim) => sim.counters()))
        const lines = Report.summaryLines(summary, file, counters)
        if (receiver !== undefined) {
          const webhookCounts = Option.getOrUndefined(Option.map(backend.simulator, (sim) => sim.webhookCounts()))
          lines.push(...Report.webhookLines(receiver.stats(), counters, webhookCounts))
        }
        yield* Console.log(lines.join("\n"))
        if (summary.failed > 0) {
          return yield* new Stop({
            code: exitCode.failed,
            lines: summary.results.flatMap((result) =>
              result.failure === undefined ? [] : [
                `failed: line ${result.line}` +
                (result.trackingNumber !== undefined ? ` ${result.carrierCode} ${result.trackingNumber}` : "") +
                `: ${result.failure.tag}: ${result.failure.message}`
              ]
            )
          })
        }
      }))
    }).pipe(
      Effect.catchTags({
        ConfigError: (error) => Effect.fail(environmentStop(error)),
        InvalidOption: (error) => Effect.fail(environmentStop(error))
      }),
      // The root of the import's trace: the client's spans (createMany, list, …) are its children.
      Effect.withSpan("track import", { attributes: { "track.file": file } })
    )
).pipe(
  Command.withDescription(
    "create the shipments of a CSV file in batches, then follow them (polling, or --follow webhook) until every one is final"
  )
)

/** The environment (`TRACKINGMORE_*`, `REDIS_URL`) gives a value the app or the client cannot work with. */
const environmentStop = (error: { readonly message: string }) =>
  new Stop({ code: exitCode.usage, lines: [`track: the environment is not usable: ${error.message}`] })

const statusCommand = Command.make(
  "status",
  {
    number: Args.text({ name: "number" }).pipe(Args.withDescription("the tracking number")),
    carrier: Options.text("carrier").pipe(
      Options.withAlias("c"),
      Options.withPseudoName("code"),
      Options.withDescription("the carrier code, e.g. ups (detected when omitted)"),
      Options.optional
    )
  },
  ({ carrier, number }) =>
    Effect.scoped(Effect.gen(function*() {
      const backend = yield* Backend.fromEnvironment
      for (const line of backend.banner) yield* Console.log(line)
      const lines = yield* Status.showStatus({
        trackingNumber: number,
        carrierCode: carrier,
        simulator: backend.simulator
      }).pipe(
        Effect.provide(backend.client),
        Effect.mapError((error) => {
          if (error._tag === "InvalidOption") return environmentStop(error)
          const hint = error._tag === "NotRegistered" || error._tag === "TrackingNotFound"
            ? ["This shipment is not in the account yet: create it first (e.g. with `track import`)."]
            : []
          return new Stop({ code: exitCode.failed, lines: [`${error._tag} (${error.code}): ${error.message}`, ...hint] })
        })
      )
      yield* Console.log(lines.join("\n"))
    })).pipe(
      Effect.catchTag("ConfigError", (error) => Effect.fail(environmentStop(error))),
      Effect.withSpan("track status", { attributes: { "track.number": number } })
    )
).pipe(Command.withDescription("show one tracking with its events"))

const track = Command.make("track").pipe(
  Command.withDescription("TrackingMore reference app (embedded simulator unless TRACKINGMORE_API_KEY is set)"),
  Command.withSubcommands([importCommand, statusCommand])
)

/** The command line `track` reads, for the checks `@effect/cli` leaves to the app (see `Argv`). */
export const spec: Argv.ProgramSpec = {
  name: "track",
  commands: [
    {
      name: "import",
      options: [
        { names: ["--poll-interval"], example: "\"60 seconds\"" },
        { names: ["--deadline"], example: "\"6 hours\"" },
        { names: ["--follow"], example: "webhook" }
      ]
    },
    { name: "status", options: [{ names: ["--carrier", "-c"], example: "ups" }] }
  ]
}

/** The end of every help page: what the durations mean and the exit codes. */
const footer = HelpDoc.blocks([
  HelpDoc.h1("DURATIONS"),
  HelpDoc.p(
    "Every duration, given or default, is real time against the API (TRACKINGMORE_API_KEY set) and simulated " +
      `time with the embedded simulator, where one simulated minute lasts ${simulatedMinuteMs} ms. ` +
      `Write them like ${Durations.examplesText}.`
  ),
  HelpDoc.h1("EXIT CODES"),
  HelpDoc.p(
    `${exitCode.ok}: done (every shipment final, the tracking shown); ${exitCode.failed}: the work failed (a ` +
      `shipment failed, the file holds none, the API answered an error); ${exitCode.usage}: the command line is ` +
      "wrong (a missing argument or value, an unknown option, a file that is not there)."
  )
])

const cli = Command.run(track, { name: "track", version: "0.0.0", footer })

/**
 * Runs `track` on `argv` (`process.argv`: runtime, script, then the arguments) and returns the exit code. Usage
 * errors are printed by `@effect/cli` or by `Argv`, once; a failed command prints its own lines.
 */
export const run = (argv: ReadonlyArray<string>): Effect.Effect<number, never, CliApp.CliApp.Environment> =>
  Effect.suspend(() => {
    const [runtime = "node", script = "track", ...args] = argv
    const problem = Argv.usageProblem(spec, args)
    if (Option.isSome(problem)) return Effect.as(Console.error(problem.value), exitCode.usage)
    return cli([runtime, script, ...Argv.withFullHelpName(spec, args)]).pipe(
      Effect.as<number>(exitCode.ok),
      Effect.catchAll((error) =>
        ValidationError.isValidationError(error)
          // @effect/cli has printed it (in words) before failing with it
          ? Effect.succeed(exitCode.usage)
          : Effect.as(Effect.forEach(error.lines, (line) => Console.error(line), { discard: true }), error.code)
      )
    )
  })
