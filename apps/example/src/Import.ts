/**
 * The import flow: read shipments, create them in batches (`createMany`), then follow them until every one is
 * final: by polling (`pollUntilFinal`), or from the updates a webhook receiver hands over (no call at all).
 * Every row of the file ends with exactly one result: final, or failed with a tag.
 */
import * as TrackingMoreClient from "@trackingmore-effect/client/TrackingMoreClient"
import * as Tracking from "@trackingmore-effect/client/Tracking"
import * as Endpoint from "@trackingmore-effect/core/Endpoint"
import * as Retry from "@trackingmore-effect/core/Retry"
import type * as TrackingMoreError from "@trackingmore-effect/core/TrackingMoreError"
import * as Arr from "effect/Array"
import * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Metric from "effect/Metric"
import * as Stream from "effect/Stream"
import * as Csv from "./Csv.js"
import * as Progress from "./Progress.js"

/** How a shipment got into the account. */
export type Creation = "Created" | "Existed"

/**
 * How shipments are followed once created: by polling (the default), or by the trackings a webhook receiver
 * accepted (`updates`, subscribed before the first shipment is created, so that no push is missed).
 */
export type Follow =
  | { readonly _tag: "Polling" }
  | { readonly _tag: "Webhook"; readonly updates: Stream.Stream<Tracking.Tracking> }

/**
 * Why a shipment failed: a row error, an API error, the deadline before it was final (`NotFinal`), or the
 * deadline before it was even sent (`NotSent`: the API never saw it, so it can be imported again).
 */
export interface Failure {
  readonly tag: Csv.RowError["_tag"] | TrackingMoreError.Tag | "NotFinal" | "NotSent"
  readonly message: string
}

/** The result of one row of the file. */
export interface ShipmentResult {
  readonly line: number
  readonly trackingNumber: string | undefined
  readonly carrierCode: string | undefined
  /** Set once the API has the shipment. */
  readonly creation: Creation | undefined
  /** The last status seen. */
  readonly status: string | undefined
  /** Set when the shipment failed (it is then not final). */
  readonly failure: Failure | undefined
}

/** What a run did. */
export interface Summary {
  readonly total: number
  readonly created: number
  readonly existed: number
  readonly final: number
  readonly failed: number
  /** Of the failed: shipments the deadline came before they were sent (`NotSent`); they can be retried. */
  readonly notSent: number
  /** Final shipments by status. */
  readonly byStatus: Readonly<Record<string, number>>
  /** Failed shipments by error tag. */
  readonly byErrorTag: Readonly<Record<string, number>>
  /** 429 answers received during the run, and cooldowns waited out (core's `Retry.metrics`). */
  readonly tooManyRequests: { readonly received: number; readonly cooldowns: number }
  /** Every row's result, in file order. */
  readonly results: ReadonlyArray<ShipmentResult>
  readonly elapsedMs: number
}

/** Options of {@link runImport}. */
export interface ImportOptions {
  /** The shipments and rejected rows of the file (`Csv.readShipments`). */
  readonly sheet: Csv.Sheet
  /** Time between two poll rounds, as the client waits it (real time: see `Backend.toRealTime`). */
  readonly pollInterval: Duration.DurationInput
  /**
   * Shipments not final this long after the start fail with `NotFinal`, and those not even sent by then (the
   * creation waits its turn under the rate limit) with `NotSent` (real time, like `pollInterval`).
   */
  readonly pollDeadline: Duration.DurationInput
  /** Where progress goes; default none. */
  readonly progress?: Progress.Progress | undefined
  /** Trackings per `createMany` call (one batch each, at most `Endpoint.maxBatchSize`, the default). */
  readonly chunkSize?: number | undefined
  /** Default polling; with `Webhook`, `pollInterval` is unused and `pollDeadline` bounds the wait for updates. */
  readonly follow?: Follow | undefined
}

const counterValue = (metric: Metric.Metric.Counter<number>) =>
  Effect.map(Metric.value(metric), (state) => state.count)

const tooManyRequestsReceived = Metric.tagged(Retry.metrics.errors, "tag", "TooManyRequests")
const cooldownWaits = Metric.tagged(Retry.metrics.waits, "reason", "cooldown")

interface Slot {
  line: number
  trackingNumber: string | undefined
  carrierCode: string | undefined
  creation: Creation | undefined
  status: string | undefined
  failure: Failure | undefined
}

const isDone = (slot: Slot) => slot.failure !== undefined || Tracking.isFinalStatus(slot.status)

/** How many poll passes may end in an error before the shipments left fail with it. */
const pollAttempts = 3

/**
 * Runs the import against the `TrackingMoreClient` in context and returns its summary. Never fails: every
 * problem is a failed shipment in the summary.
 */
export const runImport = (options: ImportOptions): Effect.Effect<Summary, never, TrackingMoreClient.TrackingMoreClient> =>
  Effect.scoped(Effect.gen(function*() {
    const client = yield* TrackingMoreClient.TrackingMoreClient
    const progress = options.progress ?? Progress.silent
    const startedAt = yield* Clock.currentTimeMillis
    const received0 = yield* counterValue(tooManyRequestsReceived)
    const cooldowns0 = yield* counterValue(cooldownWaits)

    const sheet = options.sheet
    const slots: Array<Slot> = []
    const byKey = new Map<string, Slot>()
    for (const shipment of sheet.shipments) {
      const slot: Slot = {
        line: shipment.line,
        trackingNumber: shipment.input.trackingNumber,
        carrierCode: shipment.input.carrierCode,
        creation: undefined,
        status: undefined,
        failure: undefined
      }
      slots.push(slot)
      byKey.set(Csv.shipmentKey(shipment.input.carrierCode, shipment.input.trackingNumber), slot)
    }
    for (const error of sheet.rejected) {
      slots.push({
        line: error.line,
        trackingNumber: undefined,
        carrierCode: undefined,
        creation: undefined,
        status: undefined,
        failure: { tag: error._tag, message: error.message }
      })
    }
    slots.sort((a, b) => a.line - b.line)

    const counts = (): Progress.Counts => {
      let created = 0
      let polling = 0
      let final = 0
      let failed = 0
      for (const slot of slots) {
        if (slot.creation !== undefined) created++
        if (slot.failure !== undefined) failed++
        else if (Tracking.isFinalStatus(slot.status)) final++
        else if (slot.creation !== undefined) polling++
      }
      return { total: slots.length, created, polling, final, failed, follow: options.follow?._tag === "Webhook" ? "webhook" : "polling" }
    }
    const report = () => progress.update(counts())
    report()
    for (const error of sheet.rejected) progress.line(`skipped line ${error.line}: ${error._tag}: ${error.message}`)

    // With webhooks, updates are taken from the start: a push may come before its createMany has answered.
    const follow = options.follow ?? { _tag: "Polling" }
    const allDone = yield* Deferred.make<void>()
    const checkAllDone = () => (slots.every(isDone) ? Deferred.unsafeDone(allDone, Effect.void) : undefined)
    if (follow._tag === "Webhook") {
      yield* follow.updates.pipe(
        Stream.runForEach((tracking) =>
          Effect.sync(() => {
            const slot = byKey.get(Csv.shipmentKey(tracking.carrierCode, tracking.trackingNumber))
            if (slot !== undefined && slot.failure === undefined) {
              slot.status = tracking.status
              report()
              checkAllDone()
            }
          })
        ),
        Effect.forkScoped
      )
    }

    // 1. create, one createMany per chunk so that progress moves batch by batch, within the run's deadline: what
    // it leaves unsent is NotSent (the API never saw it), not a failure of the API
    const deadline = startedAt + Duration.toMillis(Duration.decode(options.pollDeadline))
    const batchSize = Math.max(1, Math.min(Endpoint.maxBatchSize, options.chunkSize ?? Endpoint.maxBatchSize))
    const chunks = Arr.chunksOf(sheet.shipments, batchSize)
    yield* Effect.forEach(chunks, (shipments) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) =>
        client.createMany(shipments.map((s) => s.input), { deadline: Duration.millis(Math.max(0, deadline - now)) })
      ).pipe(
        Effect.match({
          onFailure: (error) => {
            for (const s of shipments) {
              const slot = byKey.get(Csv.shipmentKey(s.input.carrierCode, s.input.trackingNumber))!
              slot.failure = { tag: error._tag, message: error.message }
            }
          },
          onSuccess: (outcomes) => {
            outcomes.forEach((outcome, index) => {
              const s = shipments[index]!
              const slot = byKey.get(Csv.shipmentKey(s.input.carrierCode, s.input.trackingNumber))!
              switch (outcome._tag) {
                case "Failed":
                  slot.failure = { tag: outcome.error._tag, message: outcome.error.message }
                  break
                case "NotSent":
                  slot.failure = { tag: "NotSent", message: "not sent before the deadline; can be retried" }
                  break
                default:
                  slot.creation = outcome._tag
                  slot.status = outcome.tracking?.status ?? slot.status
              }
            })
          }
        }),
        Effect.tap(report)
      ), { discard: true })
    const created = slots.filter((s) => s.creation !== undefined).length
    progress.line(
      `created ${created} of ${slots.length} shipment(s) in ${chunks.length} batch call(s); ` +
        (follow._tag === "Webhook" ? "waiting for webhook updates until final" : "polling until final")
    )

    let lastError: TrackingMoreError.TrackingMoreError | undefined
    if (follow._tag === "Webhook") {
      // 2. wait until the updates made every shipment final, or the deadline: no call to the API
      checkAllDone()
      const now = yield* Clock.currentTimeMillis
      yield* Deferred.await(allDone).pipe(Effect.timeoutOption(Duration.millis(Math.max(0, deadline - now))))
    }
    // 2. poll until final; a poll that fails (after the client's own retries) is resumed for what is left
    for (let attempt = 0; follow._tag === "Polling" && attempt < pollAttempts; attempt++) {
      const left = slots.filter((s) => s.creation !== undefined && !isDone(s))
      if (left.length === 0) break
      const now = yield* Clock.currentTimeMillis
      if (now >= deadline) break
      const result = yield* client.pollUntilFinal(
        left.map((s) => ({ trackingNumber: s.trackingNumber!, carrierCode: s.carrierCode })),
        { interval: options.pollInterval, deadline: Duration.millis(deadline - now) }
      ).pipe(
        Stream.runForEach((tracking) =>
          Effect.sync(() => {
            const slot = byKey.get(Csv.shipmentKey(tracking.carrierCode, tracking.trackingNumber))
            if (slot !== undefined && slot.failure === undefined) {
              slot.status = tracking.status
              report()
            }
          })
        ),
        Effect.either
      )
      if (result._tag === "Right") {
        lastError = undefined
        break
      }
      lastError = result.left
      progress.line(`polling stopped on ${result.left._tag}: ${result.left.message}; resuming`)
    }
    for (const slot of slots) {
      if (slot.creation !== undefined && !isDone(slot)) {
        slot.failure = lastError !== undefined
          ? { tag: lastError._tag, message: lastError.message }
          : {
            tag: "NotFinal",
            message: `still ${slot.status ?? "unknown"} at the ${follow._tag === "Webhook" ? "deadline (no final webhook update)" : "poll deadline"}`
          }
      }
    }
    report()
    progress.finish()

    const byStatus: Record<string, number> = {}
    const byErrorTag: Record<string, number> = {}
    for (const slot of slots) {
      if (slot.failure !== undefined) byErrorTag[slot.failure.tag] = (byErrorTag[slot.failure.tag] ?? 0) + 1
      else if (slot.status !== undefined) byStatus[slot.status] = (byStatus[slot.status] ?? 0) + 1
    }
    const finalCounts = counts()
    return {
      total: slots.length,
      created: slots.filter((s) => s.creation === "Created").length,
      existed: slots.filter((s) => s.creation === "Existed").length,
      final: finalCounts.final,
      failed: finalCounts.failed,
      notSent: slots.filter((s) => s.failure?.tag === "NotSent").length,
      byStatus,
      byErrorTag,
      tooManyRequests: {
        received: (yield* counterValue(tooManyRequestsReceived)) - received0,
        cooldowns: (yield* counterValue(cooldownWaits)) - cooldowns0
      },
      results: slots.map((slot) => ({ ...slot })),
      elapsedMs: (yield* Clock.currentTimeMillis) - startedAt
    }
  }))
