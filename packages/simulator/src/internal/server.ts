import * as StatusCode from "@trackingmore-effect/core/StatusCode"
import * as http from "node:http"
import type { AddressInfo, Socket } from "node:net"
import * as Carrier from "../Carrier.js"
import type { Endpoint, RateGroup } from "../Endpoint.js"
import { isWrite, rateGroup } from "../Endpoint.js"
import type { FaultOptions, ScriptedFault } from "../Fault.js"
import { kinds as faultKinds } from "../Fault.js"
import type {
  Counters,
  KeyConfig,
  LogEntry,
  Mode,
  Options,
  RateLimitOptions,
  Scenario,
  SimulatorServer
} from "../Simulator.js"
import type { Status } from "./lifecycle.js"
import { formatDate, manualStatus, plan, progress, statuses } from "./lifecycle.js"
import { generator } from "./random.js"

export const defaultKeys: ReadonlyArray<KeyConfig> = [
  { key: "sim-key-1" },
  { key: "sim-key-2" },
  { key: "sim-key-no-balance", balance: 0 },
  { key: "sim-key-exhausted", quotaExhausted: true },
  { key: "sim-key-deleted", deleted: true },
  { key: "sim-key-readonly", readOnly: true }
]

const REALTIME_CACHE_MS = 2 * 60 * 60 * 1000
const MAX_BATCH = 40
const MAX_LIMIT = 2000
const MAX_NUMBERS = 40

// ---------------------------------------------------------------------------------------------------------------
// results

interface Result {
  readonly code: number
  readonly data: unknown
  readonly message?: string
}

const ok = (data: unknown, code = 200, message?: string): Result =>
  message === undefined ? { code, data } : { code, data, message }
const fail = (code: number, detail?: string): Result =>
  detail === undefined ? { code, data: [] } : { code, data: [], message: `${meaning(code)} ${detail}` }
const meaning = (code: number): string => StatusCode.lookup(code)?.meaning ?? "Unknown"

// ---------------------------------------------------------------------------------------------------------------
// store

interface Fields {
  title?: string
  order_id?: string
  customer_name?: string
  customer_email?: string
  customer_phone?: string
  logistics_channel?: string
  destination_code?: string
  order_create_time?: string
  tracking_ship_date?: string
  tracking_postal_code?: string
  tracking_account_number?: string
  comment?: string
  lang?: string
}

const fieldNames: ReadonlyArray<keyof Fields> = [
  "title",
  "order_id",
  "customer_name",
  "customer_email",
  "customer_phone",
  "logistics_channel",
  "destination_code",
  "order_create_time",
  "tracking_ship_date",
  "tracking_postal_code",
  "tracking_account_number",
  "comment",
  "lang"
]

interface Stored {
  readonly id: string
  readonly number: string
  carrier: string
  readonly createdAt: number
  updatedAt: number
  path: ReadonlyArray<Status>
  fields: Fields
  archived: boolean
  manual: { readonly status: Status; readonly at: number } | undefined
}

interface KeyState {
  config: KeyConfig
  readonly trackings: Map<string, Stored>
  /** carrier|number → cached realtime answer */
  readonly realtime: Map<string, { readonly at: number; readonly data: unknown }>
  /** realtime-only shipments (not created) → first sighting */
  readonly realtimeSeen: Map<string, number>
  balanceLeft: number | undefined
  penaltyUntil: number
  readonly buckets: Map<RateGroup, { tokens: number; at: number }>
}

const storeKey = (carrier: string, number: string): string => `${carrier}|${number}`

type Json = Record<string, unknown>
const isObject = (u: unknown): u is Json => typeof u === "object" && u !== null && !Array.isArray(u)
const str = (u: unknown): string | undefined => (typeof u === "string" ? u : typeof u === "number" ? String(u) : undefined)

const BAD_JSON: unique symbol = Symbol("bad-json")

// ---------------------------------------------------------------------------------------------------------------
// routing

type Route =
  | { readonly _tag: "endpoint"; readonly endpoint: Endpoint; readonly carrier?: string; readonly number?: string }
  | { readonly _tag: "miss"; readonly code: 404 | 405 }

const fixed: ReadonlyMap<string, readonly [method: string, endpoint: Endpoint]> = new Map([
  ["/v2/trackings/post", ["POST", "create"]],
  ["/v2/trackings/batch", ["POST", "batch"]],
  ["/v2/trackings/get", ["GET", "list"]],
  ["/v2/trackings/updatemore", ["POST", "updateMany"]],
  ["/v2/trackings/delete", ["POST", "deleteMany"]],
  ["/v2/trackings/realtime", ["POST", "realtime"]],
  ["/v2/trackings/update", ["POST", "changeCarrier"]],
  ["/v2/trackings/getuserinfo", ["GET", "userInfo"]],
  ["/v2/trackings/getstatusnumber", ["GET", "statusCounts"]],
  ["/v2/carriers", ["GET", "carriers"]],
  ["/v2/carriers/detect", ["POST", "detect"]]
])

// A malformed `%` escape is kept as it came: validation then answers 4014/4015 like the API would.
const safeDecode = (segment: string): string => {
  try {
    return decodeURIComponent(segment)
  } catch {
    return segment
  }
}

const route = (method: string, pathname: string): Route => {
  const path = pathname.length > 1 && pathname.endsWith("/") ? pathname.slice(0, -1) : pathname
  const hit = fixed.get(path)
  if (hit !== undefined) {
    return hit[0] === method ? { _tag: "endpoint", endpoint: hit[1] } : { _tag: "miss", code: 405 }
  }
  if (path.startsWith("/v2/trackings/")) {
    const parts = path.slice("/v2/trackings/".length).split("/")
    if (parts.length === 2 || parts.length === 3) {
      const carrier = safeDecode(parts[0]!)
      const number = safeDecode(parts[1]!)
      if (carrier.length > 0 && number.length > 0 && (parts.length === 2 || parts[2]!.length > 0)) {
        if (method === "GET") return { _tag: "endpoint", endpoint: "get", carrier, number }
        if (parts.length === 2 && method === "PUT") return { _tag: "endpoint", endpoint: "update", carrier, number }
        if (parts.length === 2 && method === "DELETE") {
          return { _tag: "endpoint", endpoint: "delete", carrier, number }
        }
        return { _tag: "miss", code: 405 }
      }
    }
  }
  return { _tag: "miss", code: 404 }
}

// ---------------------------------------------------------------------------------------------------------------
// the simulator state machine (plain functions over plain state; the HTTP layer is below)

interface Config {
  mode: Mode
  rates: Record<RateGroup, number>
  burst: Record<RateGroup, number>
  penaltyMs: number
  faults: FaultOptions
}

const configOf = (options: Options): Config => ({
  mode: options.mode ?? "always-200",
  ...ratesOf(options.rateLimits ?? {}),
  faults: options.faults ?? {}
})

const ratesOf = (limits: RateLimitOptions): Pick<Config, "rates" | "burst" | "penaltyMs"> => {
  const rates: Record<RateGroup, number> = {
    default: limits.default ?? 1,
    realtime: limits.realtime ?? 3,
    list: limits.list ?? 1
  }
  const burstOf = (group: RateGroup): number => {
    const b = limits.burst
    if (typeof b === "number") return b
    return b?.[group] ?? rates[group] + 1
  }
  return {
    rates,
    burst: { default: burstOf("default"), realtime: burstOf("realtime"), list: burstOf("list") },
    penaltyMs: (limits.penaltySeconds ?? 120) * 1000
  }
}

interface Request {
  readonly endpoint: Endpoint
  readonly method: string
  readonly key: string | undefined
  readonly carrier: string | undefined
  readonly number: string | undefined
  readonly query: URLSearchParams
  readonly body: string
}

export class Engine {
  readonly seed: number
  readonly stepMs: number
  readonly logLimit: number
  config: Config
  keys = new Map<string, KeyState>()
  logEntries: Array<LogEntry> = []
  total = 0
  byEndpoint: Record<string, Record<string, number>> = {}
  byCode: Record<string, number> = {}
  scriptPos: Partial<Record<Endpoint, number>> = {}
  rng: () => number
  realStart: number
  simStart: number
  offset = 0
  nextId = 1

  constructor(readonly options: Options) {
    this.seed = options.seed ?? 1
    this.stepMs = (options.lifecycleStepSeconds ?? 1800) * 1000
    this.logLimit = options.logLimit ?? 100_000
    this.config = configOf(options)
    this.rng = generator(this.seed)
    this.realStart = Date.now()
    this.simStart = options.startTime ?? this.realStart
    for (const k of options.keys ?? defaultKeys) this.setKey(k)
  }

  get timeScale(): number {
    const t = this.options.timeScale ?? 1
    return t > 0 ? t : 1
  }

  now(): number {
    return this.simStart + (Date.now() - this.realStart) / this.timeScale + this.offset
  }

  reset(): void {
    this.config = configOf(this.options)
    this.keys = new Map()
    for (const k of this.options.keys ?? defaultKeys) this.setKey(k)
    this.logEntries = []
    this.total = 0
    this.byEndpoint = {}
    this.byCode = {}
    this.scriptPos = {}
    this.rng = generator(this.seed)
    this.nextId = 1
  }

  setKey(config: KeyConfig): void {
    const existing = this.keys.get(config.key)
    if (existing !== undefined) {
      existing.config = { ...existing.config, ...config }
      if (config.balance !== undefined) existing.balanceLeft = config.balance
      return
    }
    this.keys.set(config.key, {
      config,
      trackings: new Map(),
      realtime: new Map(),
      realtimeSeen: new Map(),
      balanceLeft: config.balance,
      penaltyUntil: 0,
      buckets: new Map()
    })
  }

  setFaults(faults: FaultOptions): void {
    this.config.faults = faults
    this.scriptPos = {}
  }

  setRateLimits(limits: RateLimitOptions): void {
    Object.assign(this.config, ratesOf(limits))
    for (const state of this.keys.values()) state.buckets.clear()
  }

  scenario(s: Scenario): void {
    if (s.faults !== undefined) this.setFaults(s.faults)
    if (s.rateLimits !== undefined) this.setRateLimits(s.rateLimits)
    if (s.mode !== undefined) this.config.mode = s.mode
    for (const k of s.keys ?? []) this.setKey(k)
  }

  record(entry: LogEntry): void {
    if (this.logEntries.length >= this.logLimit) this.logEntries.splice(0, Math.max(1, this.logLimit >> 4))
    this.logEntries.push(entry)
    this.total++
    const bucket = entry.code !== undefined ? String(entry.code) : (entry.fault ?? String(entry.status))
    const ep = entry.endpoint ?? "unrouted"
    const counts = (this.byEndpoint[ep] ??= {})
    counts[bucket] = (counts[bucket] ?? 0) + 1
    this.byCode[bucket] = (this.byCode[bucket] ?? 0) + 1
  }

  counters(): Counters {
    const byEndpoint: Record<string, Record<string, number>> = {}
    for (const [k, v] of Object.entries(this.byEndpoint)) byEndpoint[k] = { ...v }
    return { total: this.total, byEndpoint, byCode: { ...this.byCode } }
  }

  /** The fault of the next request to `endpoint`: a scripted one first, else a seeded random draw. */
  pickFault(endpoint: Endpoint): ScriptedFault | undefined {
    const faults = this.config.faults
    const script = faults.scripted?.[endpoint]
    if (script !== undefined) {
      const pos = this.scriptPos[endpoint] ?? 0
      if (pos < script.length) {
        this.scriptPos[endpoint] = pos + 1
        const step = script[pos]!
        return step === "none" ? undefined : step
      }
    }
    const random = faults.random
    if (random === undefined) return undefined
    const u = this.rng()
    if (random.endpoints !== undefined && !random.endpoints.includes(endpoint)) return undefined
    let acc = 0
    if (random.rates !== undefined) {
      for (const kind of faultKinds) {
        acc += random.rates[kind] ?? 0
        if (u < acc) return kind
      }
    }
    if (random.rate !== undefined && random.rate > 0) {
      const kinds = random.kinds !== undefined && random.kinds.length > 0 ? random.kinds : faultKinds
      const each = random.rate / kinds.length
      for (const kind of kinds) {
        acc += each
        if (u < acc) return kind
      }
    }
    return undefined
  }

  startPenalty(key: string | undefined, now: number): void {
    const state = key === undefined ? undefined : this.keys.get(key)
    if (state !== undefined && state.penaltyUntil <= now) state.penaltyUntil = now + this.config.penaltyMs
  }

  // -------------------------------------------------------------------------------------------------------------
  // handling

  handle(req: Request, now: number): Result {
    const state = req.key === undefined ? undefined : this.keys.get(req.key)
    if (state === undefined) return fail(4001)
    if (state.config.deleted === true) return fail(4002)
    if (state.penaltyUntil > now) {
      return fail(429, `Key cooling down until ${new Date(state.penaltyUntil).toISOString()} (simulated).`)
    }
    const group = rateGroup(req.endpoint)
    if (!this.take(state, group, now)) {
      state.penaltyUntil = now + this.config.penaltyMs
      return fail(429, `Over ${this.config.rates[group]} req/s for group "${group}".`)
    }
    if (state.config.quotaExhausted === true) return fail(4021)
    if (state.config.readOnly === true && isWrite(req.endpoint)) return fail(401, "This key is read-only.")
    return this.dispatch(state, req, now)
  }

  take(state: KeyState, group: RateGroup, now: number): boolean {
    const rate = this.config.rates[group]
    const cap = this.config.burst[group]
    let bucket = state.buckets.get(group)
    if (bucket === undefined) {
      bucket = { tokens: cap, at: now }
      state.buckets.set(group, bucket)
    } else {
      bucket.tokens = Math.min(cap, bucket.tokens + ((now - bucket.at) / 1000) * rate)
      bucket.at = now
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1
      return true
    }
    return false
  }

  dispatch(state: KeyState, req: Request, now: number): Result {
    switch (req.endpoint) {
      case "create":
        return this.withBody(req, (body) => (isObject(body) ? this.create(state, body, now) : fail(4012)))
      case "batch":
        return this.withBody(req, (body) => this.batch(state, body, now))
      case "get":
        return this.getOne(state, req.carrier!, req.number!, now)
      case "update":
        return this.withBody(req, (body) =>
          isObject(body) ? this.modify(state, req.carrier!, req.number!, body, now) : fail(4012), true)
      case "delete":
        return this.deleteOne(state, req.carrier!, req.number!)
      case "list":
        return this.list(state, req.query, now)
      case "updateMany":
        return this.withBody(req, (body) => this.updateMany(state, body, now))
      case "deleteMany":
        return this.withBody(req, (body) => this.deleteMany(state, body))
      case "realtime":
        return this.withBody(req, (body) => (isObject(body) ? this.realtime(state, body, now) : fail(4012)))
      case "changeCarrier":
        return this.withBody(req, (body) => (isObject(body) ? this.changeCarrier(state, body, now) : fail(4012)))
      case "userInfo":
        return ok({
          user_id: `sim-${state.config.key.length}`,
          email: "simulator@example.com",
          phone: "",
          regtime: formatDate(this.simStart),
          balance: state.balanceLeft ?? null,
          created: [...state.trackings.values()].length
        })
      case "statusCounts":
        return this.statusCounts(state, req.query, now)
      case "carriers":
        return ok(Carrier.all)
      case "detect":
        return this.withBody(req, (body) => (isObject(body) ? this.detect(body) : fail(4012)))
    }
  }

  withBody(req: Request, f: (body: unknown) => Result, emptyIsObject = false): Result {
    const parsed = parseBody(req.body, emptyIsObject)
    return parsed === BAD_JSON ? fail(4012, "The body is not valid JSON.") : f(parsed)
  }

  /** 4013 / 4014 / 4015 for a number and carrier, or undefined when both are fine. */
  validate(number: unknown, carrier: unknown): Result | undefined {
    if (number === undefined || number === null || number === "") return fail(4013)
    const n = str(number)
    if (n === undefined || !Carrier.trackingNumberPattern.test(n)) return fail(4014)
    const c = str(carrier)
    if (c === undefined || Carrier.lookup(c) === undefined) return fail(4015, c === undefined ? undefined : `(${c})`)
    return undefined
  }

  create(state: KeyState, body: Json, now: number): Result {
    const invalid = this.validate(body.tracking_number, body.carrier_code)
    if (invalid !== undefined) return invalid
    const number = str(body.tracking_number)!
    const carrier = str(body.carrier_code)!
    if (state.trackings.has(storeKey(carrier, number))) return fail(4016, `(${carrier} ${number})`)
    if (state.balanceLeft !== undefined && state.balanceLeft <= 0) return fail(4019)
    if (state.balanceLeft !== undefined) state.balanceLeft--
    const stored: Stored = {
      id: `sim${(this.nextId++).toString(16).padStart(12, "0")}`,
      number,
      carrier,
      createdAt: now,
      updatedAt: now,
      path: plan(this.seed, carrier, number),
      fields: {},
      archived: false,
      manual: undefined
    }
    applyFields(stored, body)
    state.trackings.set(storeKey(carrier, number), stored)
    return ok(this.view(stored, now), 201)
  }

  batch(state: KeyState, body: unknown, now: number): Result {
    const items = isObject(body) && Array.isArray(body.trackings) ? body.trackings : body
    if (!Array.isArray(items)) return fail(4012, "Expected an array of trackings.")
    if (items.length > MAX_BATCH) return fail(4020, `(${items.length} items; at most ${MAX_BATCH})`)
    if (state.balanceLeft !== undefined && state.balanceLeft <= 0 && items.length > 0) return fail(4019)
    const trackings: Array<unknown> = []
    const errors: Array<unknown> = []
    for (const item of items) {
      const result = isObject(item) ? this.create(state, item, now) : fail(4012)
      if (result.code === 201) trackings.push(result.data)
      else errors.push(itemError(item, result))
    }
    return ok({ submitted: items.length, added: trackings.length, trackings, errors })
  }

  find(state: KeyState, carrier: string, number: string): Stored | undefined {
    return state.trackings.get(storeKey(carrier, number))
  }

  getOne(state: KeyState, carrier: string, number: string, now: number): Result {
    if (Carrier.lookup(carrier) === undefined) return fail(4015, `(${carrier})`)
    if (!Carrier.trackingNumberPattern.test(number)) return fail(4014)
    const stored = this.find(state, carrier, number)
    return stored === undefined ? fail(4031) : ok(this.view(stored, now))
  }

  modify(state: KeyState, carrier: string, number: string, body: Json, now: number): Result {
    if (Carrier.lookup(carrier) === undefined) return fail(4015, `(${carrier})`)
    const stored = this.find(state, carrier, number)
    if (stored === undefined) return fail(4017)
    if (body.status !== undefined && body.status !== null && body.status !== "") {
      const status = manualStatus[str(body.status) ?? ""]
      if (status === undefined) return fail(4033, `(${JSON.stringify(body.status)}; only 4, 7 or 8)`)
      stored.manual = { status, at: now }
    }
    applyFields(stored, body)
    stored.updatedAt = now
    return ok(this.view(stored, now))
  }

  deleteOne(state: KeyState, carrier: string, number: string): Result {
    if (Carrier.lookup(carrier) === undefined) return fail(4015, `(${carrier})`)
    return state.trackings.delete(storeKey(carrier, number)) ? ok([]) : fail(4017)
  }

  updateMany(state: KeyState, body: unknown, now: number): Result {
    return this.eachItem(body, (item, carrier, number) => this.modify(state, carrier, number, item, now), (done) => ({
      updated: done.length,
      trackings: done.map(({ result }) => result.data)
    }))
  }

  deleteMany(state: KeyState, body: unknown): Result {
    return this.eachItem(body, (_item, carrier, number) => this.deleteOne(state, carrier, number), (done) => ({
      deleted: done.length,
      trackings: done.map(({ carrier, number }) => ({ tracking_number: number, carrier_code: carrier }))
    }))
  }

  /**
   * The many-item endpoints: the body is an array (or `{ trackings: [...] }`) of at most 40 items; each is
   * validated and applied, successes are summarised by `summary`, failures become item errors inside a 200.
   */
  private eachItem(
    body: unknown,
    apply: (item: Json, carrier: string, number: string) => Result,
    summary: (done: ReadonlyArray<{ readonly carrier: string; readonly number: string; readonly result: Result }>) => Json
  ): Result {
    const items = isObject(body) && Array.isArray(body.trackings) ? body.trackings : body
    if (!Array.isArray(items)) return fail(4012, "Expected an array of trackings.")
    if (items.length > MAX_BATCH) return fail(4020, `(${items.length} items; at most ${MAX_BATCH})`)
    const done: Array<{ readonly carrier: string; readonly number: string; readonly result: Result }> = []
    const errors: Array<unknown> = []
    for (const item of items) {
      let result: Result
      if (!isObject(item)) {
        result = fail(4012)
      } else {
        const carrier = str(item.carrier_code)
        const number = str(item.tracking_number)
        result = this.validate(item.tracking_number, item.carrier_code) ?? apply(item, carrier!, number!)
        if (result.code === 200) {
          done.push({ carrier: carrier!, number: number!, result })
          continue
        }
      }
      errors.push(itemError(item, result))
    }
    return ok({ submitted: items.length, ...summary(done), errors })
  }

  realtime(state: KeyState, body: Json, now: number): Result {
    const invalid = this.validate(body.tracking_number, body.carrier_code)
    if (invalid !== undefined) return invalid
    const number = str(body.tracking_number)!
    const carrier = str(body.carrier_code)!
    const k = storeKey(carrier, number)
    const cached = state.realtime.get(k)
    if (cached !== undefined && now - cached.at < REALTIME_CACHE_MS) {
      return ok(cached.data, 200, "Success (cached: the same shipment is refreshed at most once per 2 hours).")
    }
    let stored = this.find(state, carrier, number)
    if (stored === undefined) {
      let seen = state.realtimeSeen.get(k)
      if (seen === undefined) {
        seen = now
        state.realtimeSeen.set(k, now)
      }
      stored = {
        id: `rt-${k}`,
        number,
        carrier,
        createdAt: seen,
        updatedAt: seen,
        path: plan(this.seed, carrier, number),
        fields: {},
        archived: false,
        manual: undefined
      }
    }
    const data = { items: [this.view(stored, now)] }
    state.realtime.set(k, { at: now, data })
    return ok(data)
  }

  changeCarrier(state: KeyState, body: Json, now: number): Result {
    const invalid = this.validate(body.tracking_number, body.carrier_code)
    if (invalid !== undefined) return invalid
    const target = str(body.update_carrier_code)
    if (target === undefined || Carrier.lookup(target) === undefined) {
      return fail(4015, `(update_carrier_code ${target ?? "missing"})`)
    }
    const number = str(body.tracking_number)!
    const carrier = str(body.carrier_code)!
    const stored = this.find(state, carrier, number)
    if (stored === undefined) return fail(4017)
    if (target !== carrier) {
      if (state.trackings.has(storeKey(target, number))) return fail(4016, `(${target} ${number})`)
      state.trackings.delete(storeKey(carrier, number))
      stored.carrier = target
      stored.path = plan(this.seed, target, number)
      state.trackings.set(storeKey(target, number), stored)
    }
    stored.updatedAt = now
    return ok(this.view(stored, now))
  }

  detect(body: Json): Result {
    const n = body.tracking_number
    if (n === undefined || n === null || n === "") return fail(4013)
    const number = str(n)
    if (number === undefined || !Carrier.trackingNumberPattern.test(number)) return fail(4014)
    const candidates = Carrier.detect(number)
    if (candidates.length === 0) return fail(4032)
    return ok(candidates.map((c) => ({ name: c.name, code: c.code })))
  }

  /** Applies the list filters shared by list and statusCounts; a Result on invalid input. */
  filter(state: KeyState, query: URLSearchParams, now: number): Array<Json> | Result {
    const num = (name: string): number | undefined | Result => {
      const v = query.get(name)
      if (v === null || v === "") return undefined
      const n = Number(v)
      return Number.isFinite(n) ? n : fail(4012, `(${name} must be a number)`)
    }
    const bounds: Record<string, number | undefined> = {}
    for (const name of ["created_at_min", "created_at_max", "update_time_min", "update_time_max"]) {
      const v = num(name)
      if (typeof v === "object") return v
      bounds[name] = v
    }
    const status = query.get("status") || undefined
    if (status !== undefined && !(statuses as ReadonlyArray<string>).includes(status)) {
      return fail(4012, `(unknown status ${status})`)
    }
    const numbersRaw = query.get("numbers")
    const numbers = numbersRaw ? new Set(numbersRaw.split(",").map((s) => s.trim()).filter((s) => s.length > 0).slice(0, MAX_NUMBERS)) : undefined
    const ordersRaw = query.get("orders")
    const orders = ordersRaw ? new Set(ordersRaw.split(",").map((s) => s.trim())) : undefined
    const archivedRaw = query.get("archived")
    const archived = archivedRaw === "true" || archivedRaw === "1" ? true : archivedRaw === "false" || archivedRaw === "0" ? false : undefined
    const out: Array<Json> = []
    for (const stored of state.trackings.values()) {
      if (numbers !== undefined && !numbers.has(stored.number)) continue
      if (orders !== undefined && !orders.has(stored.fields.order_id ?? "")) continue
      if (archived !== undefined && stored.archived !== archived) continue
      const created = stored.createdAt / 1000
      if (bounds.created_at_min !== undefined && created < bounds.created_at_min) continue
      if (bounds.created_at_max !== undefined && created > bounds.created_at_max) continue
      const view = this.view(stored, now)
      const updated = Date.parse(view.updated_at as string) / 1000
      if (bounds.update_time_min !== undefined && updated < bounds.update_time_min) continue
      if (bounds.update_time_max !== undefined && updated > bounds.update_time_max) continue
      if (status !== undefined && view.status !== status) continue
      out.push(view)
    }
    return out
  }

  list(state: KeyState, query: URLSearchParams, now: number): Result {
    const page = query.get("page") ? Number(query.get("page")) : 1
    const limit = query.get("limit") ? Number(query.get("limit")) : 100
    if (!Number.isInteger(page) || page < 1 || !Number.isInteger(limit) || limit < 1) {
      return fail(4012, "(page and limit must be positive integers)")
    }
    const numberCount = (query.get("numbers") ?? "").split(",").filter((s) => s.trim().length > 0).length
    const filtered = this.filter(state, query, now)
    if (!Array.isArray(filtered)) return filtered
    const effectiveLimit = Math.min(limit, MAX_LIMIT)
    const items = filtered.slice((page - 1) * effectiveLimit, page * effectiveLimit)
    const data = { page, limit: effectiveLimit, total: filtered.length, items }
    if (numberCount > MAX_NUMBERS) {
      return ok(data, 202, `${meaning(202)} (numbers: at most ${MAX_NUMBERS}; only the first ${MAX_NUMBERS} were used)`)
    }
    if (limit > MAX_LIMIT) return ok(data, 202, `${meaning(202)} (limit: at most ${MAX_LIMIT}; ${MAX_LIMIT} was used)`)
    return ok(data)
  }

  statusCounts(state: KeyState, query: URLSearchParams, now: number): Result {
    const filtered = this.filter(state, query, now)
    if (!Array.isArray(filtered)) return filtered
    const counts: Record<string, number> = {}
    for (const s of statuses) counts[s] = 0
    for (const t of filtered) counts[t.status as string] = (counts[t.status as string] ?? 0) + 1
    return ok(counts)
  }

  view(stored: Stored, now: number): Json {
    const p = progress(stored.path, stored.createdAt, now, this.stepMs, stored.carrier)
    const manual = stored.manual
    const status = manual !== undefined ? manual.status : p.status
    const substatus = manual !== undefined ? `${manual.status}001` : p.substatus
    const lastChange = Math.max(p.lastChangeAt ?? stored.createdAt, manual?.at ?? 0)
    const updatedAt = Math.max(stored.updatedAt, lastChange)
    const carrier = Carrier.lookup(stored.carrier)
    const last = p.events[0]
    const destination = stored.fields.destination_code ?? ""
    return {
      id: stored.id,
      tracking_number: stored.number,
      carrier_code: stored.carrier,
      status,
      substatus,
      created_at: new Date(stored.createdAt).toISOString(),
      updated_at: new Date(updatedAt).toISOString(),
      title: stored.fields.title ?? "",
      order_id: stored.fields.order_id ?? "",
      customer_name: stored.fields.customer_name ?? "",
      customer_email: stored.fields.customer_email ?? "",
      customer_phone: stored.fields.customer_phone ?? "",
      logistics_channel: stored.fields.logistics_channel ?? "",
      comment: stored.fields.comment ?? "",
      archived: stored.archived,
      original_country: carrier?.country_code ?? "",
      destination_country: destination,
      lastEvent: last === undefined ? "" : `${last.StatusDescription}, ${last.Details}, ${last.Date}`,
      lastUpdateTime: formatDate(lastChange),
      origin_info: {
        weblink: carrier?.homepage ?? "",
        phone: carrier?.phone ?? "",
        carrier_code: stored.carrier,
        trackinfo: p.events
      },
      destination_info: { weblink: "", phone: "", carrier_code: "", trackinfo: [] }
    }
  }
}

const applyFields = (stored: Stored, body: Json): void => {
  for (const name of fieldNames) {
    const v = str(body[name])
    if (v !== undefined) stored.fields[name] = v
  }
  if (body.archived !== undefined) stored.archived = body.archived === true || body.archived === "true" || body.archived === 1
}

const itemError = (item: unknown, result: Result): unknown => ({
  tracking_number: isObject(item) ? (str(item.tracking_number) ?? "") : "",
  carrier_code: isObject(item) ? (str(item.carrier_code) ?? "") : "",
  code: result.code,
  message: result.message ?? meaning(result.code)
})

const parseBody = (body: string, emptyIsObject: boolean): unknown => {
  if (body.trim().length === 0) return emptyIsObject ? {} : BAD_JSON
  try {
    return JSON.parse(body) as unknown
  } catch {
    return BAD_JSON
  }
}

// ---------------------------------------------------------------------------------------------------------------
// HTTP

const envelopeBody = (result: Result): string => {
  const entry = StatusCode.lookup(result.code)
  return JSON.stringify({
    meta: { code: result.code, type: entry?.type ?? "Unknown", message: result.message ?? entry?.meaning ?? "Unknown" },
    data: result.data
  })
}

const httpStatus = (mode: Mode, code: number): number => (mode === "always-200" ? 200 : code < 1000 ? code : 400)

const html502 =
  "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"

const readBody = (req: http.IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Array<Buffer> = []
    req.on("data", (chunk: Buffer) => chunks.push(chunk))
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")))
    req.on("error", reject)
  })

const sendJson = (res: http.ServerResponse, status: number, body: string): void => {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(body) })
  res.end(body)
}

export const startServer = async (options: Options): Promise<SimulatorServer> => {
  const engine = new Engine(options)
  const control = options.control === true
  const sockets = new Set<Socket>()
  const timers = new Set<ReturnType<typeof setTimeout>>()
  let closing = false

  const onRequest = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const at = Date.now()
    const simulatedAt = engine.now()
    const method = req.method ?? "GET"
    const rawUrl = req.url ?? "/"
    const q = rawUrl.indexOf("?")
    const pathname = q === -1 ? rawUrl : rawUrl.slice(0, q)
    const headerKey = req.headers["trackingmore-api-key"]
    const key = typeof headerKey === "string" && headerKey.length > 0 ? headerKey : undefined
    const mode = engine.config.mode

    if (pathname.startsWith("/_control")) {
      const body = method === "GET" ? "" : await readBody(req)
      if (control) return controlRequest(engine, method, pathname, body, res)
    }

    const r = pathname.startsWith("/_control") ? ({ _tag: "miss", code: 404 } as const) : route(method, pathname)
    const log = (status: number, code: number | undefined, fault?: ScriptedFault): void =>
      engine.record({
        at,
        simulatedAt,
        method,
        path: pathname,
        endpoint: r._tag === "endpoint" ? r.endpoint : undefined,
        key,
        status,
        code,
        ...(fault === undefined ? {} : { fault })
      })

    if (r._tag === "miss") {
      if (method !== "GET" && !pathname.startsWith("/_control")) await readBody(req)
      const result = fail(r.code, `(${method} ${pathname})`)
      const status = httpStatus(mode, r.code)
      sendJson(res, status, envelopeBody(result))
      return log(status, r.code)
    }

    const fault = engine.pickFault(r.endpoint)
    const body = method === "GET" ? "" : await readBody(req)
    if (method === "GET") req.resume()

    const respond = (truncate: boolean): void => {
      const now = fault === "slow" ? engine.now() : simulatedAt
      const result = engine.handle({
        endpoint: r.endpoint,
        method,
        key,
        carrier: r.carrier,
        number: r.number,
        query: q === -1 ? new URLSearchParams() : new URLSearchParams(rawUrl.slice(q + 1)),
        body
      }, now)
      const m = engine.config.mode
      const status = httpStatus(m, result.code)
      const text = envelopeBody(result)
      sendJson(res, status, truncate ? text.slice(0, Math.floor(text.length / 2)) : text)
      log(status, result.code, fault)
    }

    switch (fault) {
      case undefined:
        return respond(false)
      case "reset":
        req.socket.destroy()
        return log(0, undefined, fault)
      case "timeout":
        return log(0, undefined, fault)
      case "slow": {
        const timer = setTimeout(() => {
          timers.delete(timer)
          if (!closing && !res.destroyed) respond(false)
        }, engine.config.faults.slowMs ?? 2000)
        timers.add(timer)
        return
      }
      case "truncated":
        return respond(true)
      case "html502":
        res.writeHead(502, { "content-type": "text/html", "content-length": Buffer.byteLength(html502) })
        res.end(html502)
        return log(502, undefined, fault)
      case "empty":
        res.writeHead(200, { "content-type": "application/json", "content-length": 0 })
        res.end()
        return log(200, undefined, fault)
      default: {
        const code = fault === "429-penalty" ? 429 : Number(fault)
        if (fault === "429-penalty") engine.startPenalty(key, simulatedAt)
        const valid = Number.isInteger(code) && StatusCode.lookup(code) !== undefined ? code : 500
        const status = httpStatus(engine.config.mode, valid)
        sendJson(res, status, envelopeBody(fail(valid, "(injected fault)")))
        return log(status, valid, fault)
      }
    }
  }

  const server = http.createServer({ keepAlive: true }, (req, res) => {
    onRequest(req, res).catch(() => {
      if (!res.headersSent) sendJson(res, 500, envelopeBody(fail(500)))
      else res.destroy()
    })
  })
  server.keepAliveTimeout = 30_000
  server.on("connection", (socket) => {
    sockets.add(socket)
    socket.on("close", () => sockets.delete(socket))
  })
  server.on("clientError", (_err, socket) => socket.destroy())

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject)
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => {
      server.off("error", reject)
      resolve()
    })
  })
  const address = server.address() as AddressInfo
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address
  const origin = `http://${host}:${address.port}`

  let closed: Promise<void> | undefined
  const close = (): Promise<void> => {
    if (closed !== undefined) return closed
    closing = true
    for (const timer of timers) clearTimeout(timer)
    timers.clear()
    closed = new Promise<void>((resolve) => {
      server.close(() => resolve())
      server.closeAllConnections()
      for (const socket of sockets) socket.destroy()
    })
    return closed
  }

  return {
    baseUrl: `${origin}/v2`,
    origin,
    port: address.port,
    keys: (options.keys ?? defaultKeys).map((k) => k.key),
    log: () => engine.logEntries.slice(),
    counters: () => engine.counters(),
    setFaults: (faults) => engine.setFaults(faults),
    setKey: (k) => engine.setKey(k),
    setRateLimits: (limits) => engine.setRateLimits(limits),
    setMode: (mode) => {
      engine.config.mode = mode
    },
    scenario: (s) => engine.scenario(s),
    advance: (ms) => {
      engine.offset += ms
    },
    now: () => engine.now(),
    reset: () => engine.reset(),
    close
  }
}

const controlRequest = (
  engine: Engine,
  method: string,
  pathname: string,
  body: string,
  res: http.ServerResponse
): void => {
  const reply = (status: number, data: unknown): void => sendJson(res, status, JSON.stringify(data))
  const parsed = parseBody(body, true)
  const path = pathname.replace(/\/$/, "")
  if (path === "/_control/log" && method === "GET") return reply(200, { entries: engine.logEntries })
  if (path === "/_control/counters" && method === "GET") return reply(200, engine.counters())
  if (path === "/_control/state" && method === "GET") {
    return reply(200, { now: engine.now(), mode: engine.config.mode, keys: [...engine.keys.values()].map((k) => ({ ...k.config, penaltyUntil: k.penaltyUntil, trackings: k.trackings.size })) })
  }
  if (parsed === BAD_JSON || !isObject(parsed)) return reply(400, { error: "the body must be a JSON object" })
  if (path === "/_control/scenario" && method === "POST") {
    engine.scenario(parsed as Scenario)
    return reply(200, { ok: true })
  }
  if (path === "/_control/reset" && method === "POST") {
    engine.reset()
    return reply(200, { ok: true })
  }
  if (path === "/_control/advance" && method === "POST") {
    const seconds = Number(parsed.seconds)
    if (!Number.isFinite(seconds) || seconds < 0) return reply(400, { error: "seconds must be a non-negative number" })
    engine.offset += seconds * 1000
    return reply(200, { ok: true, now: engine.now() })
  }
  return reply(404, { error: `no control route ${method} ${pathname}` })
}
