#!/usr/bin/env node
/**
 * `track`: the reference command-line app.
 *
 *   track import <file.csv> [--poll-interval 5m] [--deadline 6h]   create the shipments, poll until final
 *   track status <number> [--carrier c]                             one tracking with its events
 *
 * Without TRACKINGMORE_API_KEY it runs against an embedded simulator.
 */
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as HelpDoc from "@effect/cli/HelpDoc"
import * as Options from "@effect/cli/Options"
import * as ValidationError from "@effect/cli/ValidationError"
import * as FileSystem from "@effect/platform/FileSystem"
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Console from "effect/Console"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Backend from "./Backend.js"
import * as Import from "./Import.js"
import * as Progress from "./Progress.js"
import * as Report from "./Report.js"
import * as Status from "./Status.js"

const duration = (name: string) =>
  Options.text(name).pipe(
    Options.mapEffect((text) =>
      Option.match(Duration.decodeUnknown(text.trim()), {
        onNone: () =>
          Effect.fail(ValidationError.invalidValue(HelpDoc.p(
            `--${name}: "${text}" is not a duration (e.g. "30 seconds", "5 minutes", "6 hours")`
          ))),
        onSome: (d) => Effect.succeed<Duration.Duration>(d)
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
      Options.withDescription("time between poll rounds (default: 5 minutes; 60 simulated seconds when embedded)")
    ),
    deadline: duration("deadline").pipe(
      Options.withDescription("shipments not final by then fail with NotFinal (default: 6 hours; 4 simulated hours when embedded)")
    )
  },
  ({ deadline, file, pollInterval }) =>
    Effect.scoped(Effect.gen(function*() {
      const backend = yield* Backend.fromEnvironment
      for (const line of backend.banner) yield* Console.log(line)
      const fs = yield* FileSystem.FileSystem
      const csv = yield* fs.readFileString(file)
      const summary = yield* Import.runImport({
        csv,
        pollInterval: Option.getOrElse(pollInterval, () => backend.pollInterval),
        pollDeadline: Option.getOrElse(deadline, () => backend.pollDeadline),
        progress: Progress.forStream(process.stdout)
      }).pipe(Effect.provide(backend.client))
      const counters = Option.getOrUndefined(Option.map(backend.simulator, (sim) => sim.counters()))
      yield* Console.log(Report.summaryLines(summary, file, counters).join("\n"))
      if (summary.failed > 0) {
        for (const result of summary.results) {
          if (result.failure !== undefined) {
            yield* Console.error(
              `failed: line ${result.line}` +
                (result.trackingNumber !== undefined ? ` ${result.carrierCode} ${result.trackingNumber}` : "") +
                `: ${result.failure.tag}: ${result.failure.message}`
            )
          }
        }
        process.exitCode = 1
      }
    }))
).pipe(Command.withDescription("create the shipments of a CSV file in batches, then poll until every one is final"))

const statusCommand = Command.make(
  "status",
  {
    number: Args.text({ name: "number" }).pipe(Args.withDescription("the tracking number")),
    carrier: Options.text("carrier").pipe(
      Options.withAlias("c"),
      Options.withDescription("the carrier code (detected when omitted)"),
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
        Effect.catchAll((error) =>
          Effect.sync(() => {
            process.exitCode = 1
            const hint = error._tag === "NotRegistered" || error._tag === "TrackingNotFound"
              ? ["This shipment is not in the account yet: create it first (e.g. with `track import`)."]
              : []
            return [`${error._tag} (${error.code}): ${error.message}`, ...hint]
          })
        )
      )
      yield* Console.log(lines.join("\n"))
    }))
).pipe(Command.withDescription("show one tracking with its events"))

const track = Command.make("track").pipe(
  Command.withDescription("TrackingMore reference app (embedded simulator unless TRACKINGMORE_API_KEY is set)"),
  Command.withSubcommands([importCommand, statusCommand])
)

const cli = Command.run(track, { name: "track", version: "0.0.0" })

cli(process.argv).pipe(Effect.provide(NodeContext.layer), NodeRuntime.runMain)
