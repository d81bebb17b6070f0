/**
 * The receiving end of `track import --follow webhook`: the client's `Webhook.httpApp` served by
 * `@effect/platform-node` on 127.0.0.1 (a free port), which verifies each push, drops repeats and out-of-order
 * updates with a `Webhook.makeDeduplicator`, and hands every new tracking to the import as a stream.
 */
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import type * as HttpServerError from "@effect/platform/HttpServerError"
import * as Webhook from "@trackingmore-effect/client/Webhook"
import type * as Tracking from "@trackingmore-effect/client/Tracking"
import * as Effect from "effect/Effect"
import * as Queue from "effect/Queue"
import * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as http from "node:http"

/** What the receiver saw. */
export interface ReceiverStats {
  /** POSTs received, whatever their answer */
  readonly deliveries: number
  /** updates handed to the import (newer than what it had) */
  readonly accepted: number
  /** exact repeats ignored (answered 200: TrackingMore must not send them again) */
  readonly repeats: number
  /** updates older than one already handled, ignored (answered 200 too) */
  readonly outOfOrder: number
  /** deliveries refused with a 4xx (bad signature, malformed, too large); TrackingMore re-delivers them */
  readonly refused: number
}

/** A running receiver. */
export interface Receiver {
  /** where to push, e.g. `http://127.0.0.1:54321/trackingmore` */
  readonly url: string
  /** every new tracking, in the order it was accepted */
  readonly updates: Stream.Stream<Tracking.Tracking>
  readonly stats: () => ReceiverStats
}

/** The path the receiver answers on. */
export const path = "/trackingmore"

/**
 * Starts a receiver for the scope's lifetime, checking signatures with `email` (the account's registered email,
 * the key TrackingMore signs with).
 */
export const start = (
  email: Redacted.Redacted<string>
): Effect.Effect<Receiver, HttpServerError.ServeError, Scope.Scope> =>
  Effect.gen(function*() {
    const queue = yield* Effect.acquireRelease(Queue.unbounded<Tracking.Tracking>(), Queue.shutdown)
    const dedup = Webhook.makeDeduplicator()
    const counts = { deliveries: 0, accepted: 0, repeats: 0, outOfOrder: 0, refused: 0 }
    const onUpdate = (tracking: Tracking.Tracking) =>
      Effect.tap(dedup.handle(tracking, (t) => Queue.offer(queue, t)), (verdict) =>
        Effect.sync(() => {
          if (verdict === "new") counts.accepted++
          else if (verdict === "repeat") counts.repeats++
          else counts.outOfOrder++
        }))
    const app = Effect.tap(Webhook.httpApp({ email }, onUpdate), (response) =>
      Effect.sync(() => {
        counts.deliveries++
        if (response.status >= 400 && response.status < 500) counts.refused++
      }))
    const server = yield* NodeHttpServer.make(() => http.createServer(), { port: 0, host: "127.0.0.1" })
    yield* server.serve(app)
    const address = server.address
    const port = address._tag === "TcpAddress" ? address.port : 0
    return {
      url: `http://127.0.0.1:${port}${path}`,
      updates: Stream.fromQueue(queue),
      stats: () => ({ ...counts })
    }
  })

/** The email the embedded simulator signs with (any address works: the simulator and the receiver share it). */
export const embeddedEmail = Redacted.make("webhooks@example.invalid")
