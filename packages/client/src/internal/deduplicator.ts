/**
 * Ordering webhook deliveries: TrackingMore re-delivers what was not answered 2xx, so deliveries repeat and
 * arrive out of order. A delivery is compared with the last one handled for its shipment by update time, then by
 * status; the last one is kept in a store.
 */
import * as Effect from "effect/Effect"
import type * as Tracking from "../Tracking.js"
import type { Deduplicator, Mark, Store, Verdict } from "../Webhook.js"

const timePattern = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3})\d*)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/

/** ISO 8601 or TrackingMore's `2026-03-01 10:00:00` (zoneless: read as UTC) as epoch milliseconds. */
export const parseUpdateTime = (value: string | undefined): number | undefined => {
  if (value === undefined) return undefined
  const m = timePattern.exec(value.trim())
  if (m === null) return undefined
  const [, y, mo, d, h, mi, s, ms, zone] = m
  const utc = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s ?? 0), Number((ms ?? "0").padEnd(3, "0")))
  if (zone === undefined || zone === "Z") return utc
  const sign = zone.startsWith("-") ? -1 : 1
  const digits = zone.slice(1).replace(":", "")
  return utc - sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000
}

export const markOf = (tracking: Tracking.Tracking | Mark): Mark => ({
  status: tracking.status,
  updatedAt: tracking.updatedAt,
  lastUpdateTime: tracking.lastUpdateTime
})

/** By `updatedAt` when both have it, else by `lastUpdateTime`; then the same status and times is a repeat. */
export const classify = (previous: Mark | undefined, next: Mark): Verdict => {
  if (previous === undefined) return "new"
  for (const field of ["updatedAt", "lastUpdateTime"] as const) {
    const before = parseUpdateTime(previous[field])
    const after = parseUpdateTime(next[field])
    if (before === undefined || after === undefined) continue
    if (after < before) return "stale"
    if (after > before) return "new"
  }
  const same = previous.status === next.status && previous.updatedAt === next.updatedAt &&
    previous.lastUpdateTime === next.lastUpdateTime
  return same ? "repeat" : "new"
}

export const keyOf = (tracking: Tracking.Tracking): string => `${tracking.carrierCode}/${tracking.trackingNumber}`

/** One entry per shipment in a `Map` of the process. */
export const memoryStore = (): Store => {
  const marks = new Map<string, Mark>()
  return {
    get: (key) => Effect.sync(() => marks.get(key)),
    set: (key, mark) => Effect.sync(() => void marks.set(key, mark))
  }
}

export const makeDeduplicator = <E = never>(store?: Store<E>): Deduplicator<E> => {
  const marks: Store<E> = store ?? (memoryStore() as Store<E>)
  const check = (tracking: Tracking.Tracking) =>
    Effect.map(marks.get(keyOf(tracking)), (previous) => classify(previous, markOf(tracking)))
  const record = (tracking: Tracking.Tracking) => marks.set(keyOf(tracking), markOf(tracking))
  return {
    check,
    record,
    handle: (tracking, onNew) =>
      Effect.flatMap(check(tracking), (verdict) =>
        verdict === "new"
          ? Effect.as(Effect.zipRight(onNew(tracking), record(tracking)), verdict)
          : Effect.succeed(verdict))
  }
}
