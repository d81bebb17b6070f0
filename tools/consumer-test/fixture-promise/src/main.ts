/**
 * A first program of someone who installed only `@trackingmore-effect/promise`: no Effect, no Node types. It
 * creates a tracking, reads it back, meets a TrackingNotFound (deleting one that is not there), aborts a call that waits for the rate limit, and
 * prints one line of JSON that the install test compares. The simulator's address comes in TRACKINGMORE_BASE_URL.
 */
import { createClient, isAbortError, isTrackingMoreError } from "@trackingmore-effect/promise"
import type { ClientOptions, Tracking, TrackingMoreError } from "@trackingmore-effect/promise"

const env = (globalThis as unknown as { readonly process: { readonly env: Record<string, string | undefined> } })
  .process.env

const options: ClientOptions = {
  apiKey: "sim-key-1",
  baseUrl: env["TRACKINGMORE_BASE_URL"],
  rateLimits: { default: { limit: 100, window: "1 second" } }
}
const client = createClient(options)
// One request a minute: its second call waits for the limit, and is aborted while it waits.
const slow = createClient({ ...options, rateLimits: { default: { limit: 1, window: "1 minute" } } })
try {
  const input: Tracking.CreateTracking = { trackingNumber: env["TRACKING_NUMBER"] ?? "INSTALL0001", carrierCode: "ups" }
  const created: Tracking.Tracking = await client.create(input)
  const got = await client.get("ups", created.trackingNumber)
  const missing = await client.delete("ups", "INSTALL9999").then(
    (): string => "deleted",
    (e: unknown) => isTrackingMoreError(e, "TrackingNotFound") ? `${e.tag} ${e.code satisfies 4017}` : String(e)
  )
  await slow.get("ups", created.trackingNumber)
  const controller = new AbortController()
  setTimeout(() => controller.abort(), 200)
  const started = Date.now()
  const aborted = await slow.get("ups", created.trackingNumber, { signal: controller.signal }).then(
    (): string => "answered",
    (e: unknown) => isAbortError(e) ? e.name : isTrackingMoreError(e) ? (e satisfies TrackingMoreError).tag : String(e)
  )
  console.log(JSON.stringify({
    created: created.trackingNumber,
    status: got.status,
    missing,
    aborted,
    abortedWithinASecond: Date.now() - started < 1_000
  }))
} finally {
  await Promise.all([client.close(), slow.close()])
}
