import type { TrackingStatus } from "@trackingmore-effect/core/TrackingStatus"
import { generator, hash } from "./random.js"

/** A delivery status, as core documents them (`TrackingStatus.all`). */
export type Status = TrackingStatus

export interface TrackEvent {
  readonly Date: string
  readonly StatusDescription: string
  readonly Details: string
  readonly checkpoint_status: Status
}

/**
 * The statuses a tracking goes through after `pending`, one per step, derived from the seed and the number.
 * Between 4 and 6 steps.
 */
export const plan = (seed: number, carrier: string, number: string): ReadonlyArray<Status> => {
  const rng = generator(hash(`${seed}|${carrier}|${number}`))
  const r = rng()
  const path: Array<Status> = []
  if (r < 0.89 && rng() < 0.3) path.push("notfound")
  if (r < 0.65) {
    const transits = 2 + Math.floor(rng() * 2)
    for (let i = 0; i < transits; i++) path.push("transit")
    path.push("pickup", "delivered")
  } else if (r < 0.77) {
    path.push("transit", "transit", "pickup", "undelivered")
  } else if (r < 0.89) {
    const transits = 3 + Math.floor(rng() * 2)
    for (let i = 0; i < transits; i++) path.push("transit")
    path.push("exception")
  } else {
    const notfound = 3 + Math.floor(rng() * 2)
    for (let i = 0; i < notfound; i++) path.push("notfound")
    path.push("expired")
  }
  return path
}

const pad = (n: number): string => (n < 10 ? `0${n}` : `${n}`)

/** `YYYY-MM-DD HH:mm:ss` in UTC. */
export const formatDate = (ms: number): string => {
  const d = new Date(ms)
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${
    pad(d.getUTCMinutes())
  }:${pad(d.getUTCSeconds())}`
}

const places = ["Shenzhen, CN", "Hong Kong, HK", "Leipzig, DE", "Louisville, US", "Amsterdam, NL", "London, GB"]

const description = (status: Status, index: number): string => {
  switch (status) {
    case "transit":
      return index <= 2 ? "Shipment picked up" : "In transit to next facility"
    case "pickup":
      return "Out for delivery"
    case "delivered":
      return "Delivered"
    case "undelivered":
      return "Delivery attempt failed: recipient not available"
    case "exception":
      return "Shipment exception: customs hold"
    case "expired":
      return "No tracking information for too long"
    default:
      return "Tracking information registered"
  }
}

export interface Progress {
  readonly status: Status
  readonly substatus: string
  /** newest first */
  readonly events: ReadonlyArray<TrackEvent>
  /** simulated ms of the last status change, or undefined while pending */
  readonly lastChangeAt: number | undefined
}

/** The state of a tracking at `now`, computed lazily from its creation time. */
export const progress = (
  path: ReadonlyArray<Status>,
  createdAt: number,
  now: number,
  stepMs: number,
  carrier: string
): Progress => {
  const steps = Math.max(0, Math.min(path.length, Math.floor((now - createdAt) / stepMs)))
  const events: Array<TrackEvent> = []
  for (let i = 1; i <= steps; i++) {
    const status = path[i - 1]!
    if (status === "notfound") continue
    events.push({
      Date: formatDate(createdAt + i * stepMs),
      StatusDescription: description(status, i),
      Details: places[(i + carrier.length) % places.length]!,
      checkpoint_status: status
    })
  }
  events.reverse()
  const status: Status = steps === 0 ? "pending" : path[steps - 1]!
  return {
    status,
    substatus: `${status}${status === "exception" ? "004" : "001"}`,
    events,
    lastChangeAt: steps === 0 ? undefined : createdAt + steps * stepMs
  }
}

/** Manual status codes accepted by modify (`status` 4, 7 or 8; anything else is 4033). */
export const manualStatus: Readonly<Record<string, Status>> = {
  "4": "delivered",
  "7": "exception",
  "8": "expired"
}
