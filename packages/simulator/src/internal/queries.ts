/**
 * The read-only endpoints besides get: list and statusCounts (which share the list filters), userInfo and
 * detect.
 */
import * as Endpoint from "@trackingmore-effect/core/Endpoint"
import * as TrackingStatus from "@trackingmore-effect/core/TrackingStatus"
import * as Carrier from "../Carrier.js"
import type { Call } from "./handlers.js"
import { formatDate } from "./lifecycle.js"
import type { Json, Result } from "./result.js"
import { fail, meaning, ok, str } from "./result.js"
import { view } from "./view.js"

/** The largest page list answers, as documented (a larger `limit` is answered 202 with this one). */
const MAX_LIMIT = Endpoint.maxPageSize

/** The page size when the request names none, as documented. */
const DEFAULT_LIMIT = 100

const timeBounds = ["created_at_min", "created_at_max", "update_time_min", "update_time_max"] as const

/**
 * A time bound: a whole, non-negative number of unix seconds (the documented format). Anything else is answered
 * 4012 rather than read as some other instant: a filter that silently selects the wrong trackings is worse
 * than a refusal.
 */
const unixSeconds = /^\d{1,12}$/

/** The whole unix second of epoch `ms`: the API compares times at this granularity (its times show seconds). */
const second = (ms: number): number => Math.floor(ms / 1000)

const csv = (raw: string | null): Array<string> =>
  (raw ?? "").split(",").map((s) => s.trim()).filter((s) => s.length > 0)

/** The trackings the list filters of `query` select, as the API shows them; a Result on invalid input. */
const filter = (call: Call, query: URLSearchParams): Array<Json> | Result => {
  const bounds: Partial<Record<(typeof timeBounds)[number], number>> = {}
  for (const name of timeBounds) {
    const v = query.get(name)
    if (v === null || v === "") continue
    if (!unixSeconds.test(v)) return fail(4012, `(${name} must be unix seconds: a whole number ≥ 0, got ${JSON.stringify(v.slice(0, 40))})`)
    bounds[name] = Number(v)
  }
  const status = query.get("status") || undefined
  if (status !== undefined && !TrackingStatus.isTrackingStatus(status)) return fail(4012, `(unknown status ${status})`)
  const numbersRaw = query.get("numbers")
  const numbers = numbersRaw ? new Set(csv(numbersRaw).slice(0, Endpoint.maxBatchSize)) : undefined
  const ordersRaw = query.get("orders")
  const orders = ordersRaw ? new Set(ordersRaw.split(",").map((s) => s.trim())) : undefined
  const archivedRaw = query.get("archived")
  const archived = archivedRaw === "true" || archivedRaw === "1"
    ? true
    : archivedRaw === "false" || archivedRaw === "0"
    ? false
    : undefined
  const out: Array<Json> = []
  for (const tracking of call.state.trackings.values()) {
    if (numbers !== undefined && !numbers.has(tracking.number)) continue
    if (orders !== undefined && !orders.has(tracking.fields.order_id ?? "")) continue
    if (archived !== undefined && tracking.archived !== archived) continue
    // Both bounds are inclusive, at whole seconds: a tracking updated at 12:00:00.700 is selected by
    // update_time_min = update_time_max = the unix second of 12:00:00.
    const created = second(tracking.createdAt)
    if (bounds.created_at_min !== undefined && created < bounds.created_at_min) continue
    if (bounds.created_at_max !== undefined && created > bounds.created_at_max) continue
    const shown = view(tracking, call.now, call.world.stepMs)
    const updated = second(Date.parse(shown.updated_at as string))
    if (bounds.update_time_min !== undefined && updated < bounds.update_time_min) continue
    if (bounds.update_time_max !== undefined && updated > bounds.update_time_max) continue
    if (status !== undefined && shown.status !== status) continue
    out.push(shown)
  }
  return out
}

/** A page or limit in decimal digits, `fallback` when absent, NaN otherwise ("1e3" and "2.0" are not). */
const whole = (raw: string | null, fallback: number): number =>
  raw === null || raw === "" ? fallback : /^\d{1,9}$/.test(raw) ? Number(raw) : NaN

export const list = (call: Call): Result => {
  const query = call.request.query
  const page = whole(query.get("page"), 1)
  const limit = whole(query.get("limit"), DEFAULT_LIMIT)
  if (!(page >= 1 && limit >= 1)) return fail(4012, "(page and limit must be positive integers)")
  const filtered = filter(call, query)
  if (!Array.isArray(filtered)) return filtered
  const effectiveLimit = Math.min(limit, MAX_LIMIT)
  const items = filtered.slice((page - 1) * effectiveLimit, page * effectiveLimit)
  const data = { page, limit: effectiveLimit, total: filtered.length, items }
  const most = Endpoint.maxBatchSize
  if (csv(query.get("numbers")).length > most) {
    return ok(data, 202, `${meaning(202)} (numbers: at most ${most}; only the first ${most} were used)`)
  }
  if (limit > MAX_LIMIT) return ok(data, 202, `${meaning(202)} (limit: at most ${MAX_LIMIT}; ${MAX_LIMIT} was used)`)
  return ok(data)
}

export const statusCounts = (call: Call): Result => {
  const filtered = filter(call, call.request.query)
  if (!Array.isArray(filtered)) return filtered
  const counts: Record<string, number> = {}
  for (const s of TrackingStatus.all) counts[s] = 0
  for (const t of filtered) counts[t.status as string] = (counts[t.status as string] ?? 0) + 1
  return ok(counts)
}

export const userInfo = ({ state, world }: Call): Result =>
  ok({
    user_id: `sim-${state.config.key.length}`,
    email: "simulator@example.com",
    phone: "",
    regtime: formatDate(world.simStart),
    balance: state.balanceLeft ?? null,
    created: state.trackings.size
  })

export const detect = (_call: Call, body: Json): Result => {
  const n = body.tracking_number
  if (n === undefined || n === null || n === "") return fail(4013)
  const number = str(n)
  if (number === undefined || !Carrier.trackingNumberPattern.test(number)) return fail(4014)
  const candidates = Carrier.detect(number)
  if (candidates.length === 0) return fail(4032)
  return ok(candidates.map((c) => ({ name: c.name, code: c.code })))
}
