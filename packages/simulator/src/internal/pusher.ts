/**
 * The webhook pusher: a scheduler on the simulated clock that notices status changes of the stored trackings as
 * time passes (the lifecycle is computed from the creation time, so nothing else would notice), queues one
 * delivery per change and URL, sends them signed over `node:http`, re-delivers failures on the documented
 * schedule and injects the push faults.
 */
import { createHmac } from "node:crypto"
import * as http from "node:http"
import { isIP } from "node:net"
import type * as Webhooks from "../Webhooks.js"
import { retryDelayMs } from "../Webhooks.js"
import type { Engine } from "./engine.js"
import type { Status } from "./lifecycle.js"
import { generator, hash } from "./random.js"
import type { Stored } from "./store.js"
import * as TrackingStatus from "@trackingmore-effect/core/TrackingStatus"
import { view } from "./view.js"

const loopbackHosts: ReadonlySet<string> = new Set(["localhost", "127.0.0.1", "[::1]", "::1"])

/** The URLs of the options, checked: http on loopback (unless allowed otherwise), at most 4. */
const checkedUrls = (options: Webhooks.Options): ReadonlyArray<URL> => {
  if (options.urls.length > 4) throw new Error(`at most 4 webhook URLs, got ${options.urls.length}`)
  if (options.email.length === 0) throw new Error("the webhook email (the signature key) must not be empty")
  return options.urls.map((raw) => {
    const url = new URL(raw)
    if (url.protocol !== "http:") throw new Error(`webhook URL ${raw}: only http: is supported`)
    const host = url.hostname
    const loopback = loopbackHosts.has(host) || (isIP(host) === 4 && host.startsWith("127."))
    if (!loopback && options.allowRemote !== true) {
      throw new Error(`webhook URL ${raw}: not a loopback host (set allowRemote to push elsewhere)`)
    }
    return url
  })
}

/** HMAC-SHA256 of `timeStr` keyed by `email`, lowercase hex: the v2 signature. */
const sign = (timeStr: string, email: string): string => createHmac("sha256", email).update(timeStr).digest("hex")

interface Seen {
  /** lifecycle steps already looked at */
  step: number
  status: Status
  manualSeen: boolean
}

interface Entry {
  readonly id: number
  readonly url: URL
  readonly tracking: Stored
  readonly status: string
  readonly changedAt: number
  readonly data: unknown
  readonly faults: ReadonlyArray<Webhooks.FaultKind>
  readonly duplicateOf: number | undefined
  /** the exact body of a duplicate */
  readonly body: string | undefined
  state: Webhooks.Delivery["state"]
  attempts: Array<Webhooks.Attempt>
  nextAttemptAt: number | undefined
  /** held back until a later delivery of the same tracking and URL is attempted */
  held: boolean
  inFlight: boolean
}

interface Config {
  readonly options: Webhooks.Options
  readonly urls: ReadonlyArray<URL>
  /** simulated ms when configured: trackings created since are followed from their creation */
  readonly since: number
}

export class Pusher {
  config: Config | undefined
  entries: Array<Entry> = []
  /** the entries still pending, oldest first: what a scan looks at to send */
  pending: Array<Entry> = []
  seen = new WeakMap<Stored, Seen>()
  nextId = 1
  inFlight = 0
  rng: () => number
  timer: ReturnType<typeof setInterval> | undefined
  readonly agent = new http.Agent({ keepAlive: true })
  readonly requests = new Set<http.ClientRequest>()
  closed = false
  /** bumped by reset: answers to attempts of an earlier generation are dropped */
  generation = 0

  constructor(readonly engine: Engine, options: Webhooks.Options | undefined) {
    this.rng = generator(hash(`${engine.seed}|webhooks`))
    this.configure(options)
  }

  /** Real ms between two scans: a quarter of the shorter of a lifecycle step and the first retry delay. */
  get tickMs(): number {
    const simulated = Math.min(this.engine.stepMs, retryDelayMs(1))
    return Math.min(250, Math.max(1, Math.floor((simulated * this.engine.timeScale) / 4)))
  }

  configure(options: Webhooks.Options | undefined): void {
    if (options === undefined || options.urls.length === 0) {
      this.config = undefined
      this.stopTimer()
      return
    }
    this.config = { options, urls: checkedUrls(options), since: this.engine.now() }
    if (this.timer === undefined && !this.closed) {
      this.timer = setInterval(() => this.tick(), this.tickMs)
    }
  }

  reset(options: Webhooks.Options | undefined): void {
    this.generation++
    this.entries = []
    this.pending = []
    this.seen = new WeakMap()
    this.nextId = 1
    this.inFlight = 0
    this.rng = generator(hash(`${this.engine.seed}|webhooks`))
    this.configure(options)
  }

  stopTimer(): void {
    if (this.timer !== undefined) clearInterval(this.timer)
    this.timer = undefined
  }

  close(): void {
    this.closed = true
    this.stopTimer()
    for (const request of this.requests) request.destroy()
    this.requests.clear()
    this.agent.destroy()
  }

  deliveries(): ReadonlyArray<Webhooks.Delivery> {
    return this.entries.map((e) => ({
      id: e.id,
      url: e.url.toString(),
      trackingId: e.tracking.id,
      trackingNumber: e.tracking.number,
      carrierCode: e.tracking.carrier,
      status: e.status,
      changedAt: e.changedAt,
      state: e.state,
      attempts: e.attempts.slice(),
      nextAttemptAt: e.held ? undefined : e.nextAttemptAt,
      faults: e.faults,
      ...(e.duplicateOf === undefined ? {} : { duplicateOf: e.duplicateOf })
    }))
  }

  counts(): Webhooks.Counts {
    let pending = 0
    let delivered = 0
    let failed = 0
    let attempts = 0
    for (const e of this.entries) {
      attempts += e.attempts.length
      if (e.state === "pending") pending++
      else if (e.state === "delivered") delivered++
      else failed++
    }
    return { deliveries: this.entries.length, pending, delivered, failed, attempts }
  }

  /** One scan: queue the changes since the last scan, then send what is due. */
  tick(): void {
    const config = this.config
    if (config === undefined || this.closed) return
    const now = this.engine.now()
    for (const state of this.engine.keys.values()) {
      for (const tracking of state.trackings.values()) this.scan(config, tracking, now)
    }
    this.send(config, now)
  }

  private scan(config: Config, tracking: Stored, now: number): void {
    const stepMs = this.engine.stepMs
    const stepsAt = (at: number) => Math.max(0, Math.min(tracking.path.length, Math.floor((at - tracking.createdAt) / stepMs)))
    let seen = this.seen.get(tracking)
    if (seen === undefined) {
      // Every change since the webhooks were configured is pushed: from the creation, or from then.
      const from = Math.max(tracking.createdAt, config.since)
      const step = stepsAt(from)
      const manualBefore = tracking.manual !== undefined && tracking.manual.at < from
      seen = {
        step,
        status: manualBefore ? tracking.manual!.status : step === 0 ? "pending" : tracking.path[step - 1]!,
        manualSeen: manualBefore
      }
      this.seen.set(tracking, seen)
    }
    if (seen.manualSeen) return
    const manual = tracking.manual
    // The lifecycle stops at a manual status: only the steps before it count.
    const until = manual === undefined ? now : Math.min(now, manual.at)
    const steps = stepsAt(until)
    for (let i = seen.step + 1; i <= steps; i++) {
      const status = tracking.path[i - 1]!
      if (status === seen.status) continue
      const at = tracking.createdAt + i * stepMs
      this.queue(config, tracking, status, at, view({ ...tracking, manual: undefined }, at, stepMs))
      seen.status = status
    }
    seen.step = Math.max(seen.step, steps)
    if (manual !== undefined && manual.at <= now) {
      seen.manualSeen = true
      if (manual.status !== seen.status) {
        this.queue(config, tracking, manual.status, manual.at, view(tracking, manual.at, stepMs))
        seen.status = manual.status
      }
    }
  }

  private queue(config: Config, tracking: Stored, status: string, changedAt: number, data: unknown): void {
    const faults = config.options.faults ?? {}
    for (const url of config.urls) {
      // Three draws per delivery, whatever the rates, so the sequence depends on the deliveries alone.
      const duplicate = this.rng() < (faults.duplicate ?? 0)
      const outOfOrder = this.rng() < (faults.outOfOrder ?? 0) && !TrackingStatus.isFinal(status)
      const badSignature = this.rng() < (faults.badSignature ?? 0)
      const drawn: Array<Webhooks.FaultKind> = []
      if (duplicate) drawn.push("duplicate")
      if (outOfOrder) drawn.push("outOfOrder")
      if (badSignature) drawn.push("badSignature")
      this.add({
        id: this.nextId++,
        url,
        tracking,
        status,
        changedAt,
        data,
        faults: drawn,
        duplicateOf: undefined,
        body: undefined,
        state: "pending",
        attempts: [],
        nextAttemptAt: changedAt,
        held: outOfOrder,
        inFlight: false
      })
    }
  }

  /** Keeps a new entry; beyond the simulator's `logLimit`, the oldest settled ones are dropped. */
  private add(entry: Entry): void {
    this.entries.push(entry)
    this.pending.push(entry)
    const limit = this.engine.logLimit
    if (this.entries.length > limit) {
      const settled = this.entries.filter((e) => e.state !== "pending")
      const drop = new Set(settled.slice(0, Math.max(1, limit >> 4)))
      this.entries = this.entries.filter((e) => !drop.has(e))
    }
  }

  private send(config: Config, now: number): void {
    this.pending = this.pending.filter((e) => e.state === "pending")
    const max = config.options.concurrency ?? 16
    const busy = new Set<string>()
    for (const e of this.pending) if (e.inFlight) busy.add(`${e.url}|${e.tracking.id}`)
    for (const e of this.pending) {
      if (this.inFlight >= max) return
      if (e.state !== "pending" || e.inFlight || e.held || e.nextAttemptAt === undefined || e.nextAttemptAt > now) continue
      // One attempt at a time per tracking and URL, so that only the faults reorder updates.
      const lane = `${e.url}|${e.tracking.id}`
      if (busy.has(lane)) continue
      busy.add(lane)
      this.attempt(config, e, now)
    }
  }

  private attempt(config: Config, e: Entry, now: number): void {
    const email = config.options.email
    const timeStr = String(Math.floor(now / 1000))
    const bad = e.attempts.length === 0 && e.faults.includes("badSignature")
    const body = e.body ?? JSON.stringify({
      meta: { code: 200, type: "Success", message: "Success" },
      data: e.data,
      verifyInfo: { timeStr, signature: sign(timeStr, bad ? `not-${email}` : email) }
    })
    e.inFlight = true
    this.inFlight++
    const generation = this.generation
    const started = Date.now()
    const timeoutMs = config.options.timeoutMs ?? 5000
    let settled = false
    const finish = (status: number, error?: "timeout" | "connection"): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      this.requests.delete(request)
      if (generation !== this.generation || this.closed) return
      this.inFlight--
      e.inFlight = false
      const at = this.engine.now()
      e.attempts.push({
        at: now,
        answeredAt: at,
        ms: Date.now() - started,
        status,
        ...(error === undefined ? {} : { error }),
        ...(bad ? { badSignature: true } : {})
      })
      // A delivery held back goes once a later one of its lane has been attempted.
      for (const other of this.pending) {
        if (other.held && other.id < e.id && other.url === e.url && other.tracking === e.tracking) {
          other.held = false
          other.nextAttemptAt = at
        }
      }
      if (status >= 200 && status < 300) {
        e.state = "delivered"
        e.nextAttemptAt = undefined
        if (e.faults.includes("duplicate")) this.repeat(e, body, at)
      } else if (e.attempts.length > (config.options.maxRetries ?? 14)) {
        e.state = "failed"
        e.nextAttemptAt = undefined
      } else {
        e.nextAttemptAt = at + retryDelayMs(e.attempts.length)
      }
      // Whatever this answer unblocked goes now, not at the next scan.
      if (this.config !== undefined) this.send(this.config, at)
    }
    const request = http.request(e.url, {
      method: "POST",
      agent: this.agent,
      headers: { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(body) }
    }, (res) => {
      res.resume()
      res.on("end", () => finish(res.statusCode ?? 0))
      res.on("error", () => finish(res.statusCode ?? 0))
    })
    const timer = setTimeout(() => {
      finish(0, "timeout")
      request.destroy()
    }, timeoutMs)
    this.requests.add(request)
    request.on("error", () => finish(0, "connection"))
    request.end(body)
  }

  private repeat(e: Entry, body: string, at: number): void {
    this.add({
      id: this.nextId++,
      url: e.url,
      tracking: e.tracking,
      status: e.status,
      changedAt: e.changedAt,
      data: e.data,
      faults: [],
      duplicateOf: e.id,
      body,
      state: "pending",
      attempts: [],
      nextAttemptAt: at,
      held: false,
      inFlight: false
    })
  }
}
