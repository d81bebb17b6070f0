#!/usr/bin/env node
/**
 * `track`: the reference command-line app.
 *
 *   track import <file.csv> [--poll-interval "60 seconds"] [--deadline "6 hours"]   create, poll until final
 *   track status <number> [--carrier <code>]                                        one tracking with its events
 *
 * Without TRACKINGMORE_API_KEY it runs against an embedded simulator. The commands are in `Cli.ts`; spans and
 * metrics are exported when OTEL_TRACES_EXPORTER / OTEL_METRICS_EXPORTER ask for it (`Telemetry.ts`).
 */
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Effect from "effect/Effect"
import * as Cli from "./Cli.js"
import * as Telemetry from "./Telemetry.js"

Cli.run(process.argv).pipe(
  Effect.flatMap((code) =>
    Effect.sync(() => {
      process.exitCode = code
    })
  ),
  Effect.provide(Telemetry.layer()),
  Effect.provide(NodeContext.layer),
  NodeRuntime.runMain
)
