/**
 * A model of the list endpoint for tests of `pollUntilFinal`'s rounds: an account whose trackings change status
 * on schedules, answered as the documented endpoint does (`update_time_min` inclusive at whole seconds,
 * `numbers` at most 40, `page`/`limit` with a server cap, `total`) at the time of the fiber's clock, in one of
 * the orders an API may use, with update times at whole seconds in one zone or another.
 */
import { assert } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import type * as internalPoll from "../../src/internal/poll.js"
import type { ListQuery } from "../../src/Requests.js"
import { TrackingPage } from "../../src/Responses.js"
import { Tracking } from "../../src/Tracking.js"

/** The server's epoch ms at clock 0 (the poll's own clock never meets the server's). */
export const serverStart = Date.UTC(2024, 0, 1, 0, 0, 0, 250)

export type Order = "created-asc" | "created-desc" | "updated-asc" | "updated-desc"
export type Format = "utc" | "plus8" | "millis"

export interface Model {
  readonly number: string
  readonly carrier: string
  /** ms after the poll starts */
  readonly createdAt: number
  /** `[at, status]`, in time order; the first is the status at creation */
  readonly statuses: ReadonlyArray<readonly [number, string]>
  /** updates that change no status */
  readonly bumps: ReadonlyArray<number>
}

const statusAt = (model: Model, t: number): string => {
  let status = model.statuses[0]![1]
  for (const [at, s] of model.statuses) if (at <= t) status = s
  return status
}

const updatedAt = (model: Model, t: number): number =>
  Math.max(...[...model.statuses.map(([at]) => at), ...model.bumps].filter((at) => at <= t))

export const pad = (n: number, width = 2) => String(n).padStart(width, "0")

/** An update time as the API writes it: whole seconds with a zone, or the simulator's ISO form with millis. */
const render = (ms: number, format: Format): string => {
  if (format === "millis") return new Date(ms).toISOString()
  const shift = format === "plus8" ? 8 * 3_600_000 : 0
  const d = new Date(ms + shift)
  const local = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${
    pad(d.getUTCMinutes())
  }:${pad(d.getUTCSeconds())}`
  return `${local}${format === "plus8" ? "+08:00" : "+00:00"}`
}

export interface Call {
  readonly at: number
  readonly query: ListQuery
}

/** The list endpoint over `models` at the clock's time, each answer `latency` ms after its call. */
export const server = (models: ReadonlyArray<Model>, order: Order, format: Format, cap: number, latency: number) => {
  const calls: Array<Call> = []
  const list: internalPoll.List = (query) =>
    Effect.gen(function*() {
      if (latency > 0) yield* Effect.sleep(Duration.millis(latency))
      const t = yield* Clock.currentTimeMillis
      calls.push({ at: t, query })
      assert.isAtMost(query.numbers?.length ?? 0, 40, "at most 40 numbers per call")
      assert.isAtMost(query.limit ?? 100, 2000, "at most the documented page size")
      const visible = models.filter((m) => m.createdAt <= t).filter((m) =>
        (query.numbers === undefined || query.numbers.includes(m.number)) &&
        (query.updateTimeMin === undefined ||
          Math.floor((serverStart + updatedAt(m, t)) / 1000) >= query.updateTimeMin)
      )
      const key = (m: Model) => order.startsWith("created") ? m.createdAt : updatedAt(m, t)
      visible.sort((a, b) => order.endsWith("asc") ? key(a) - key(b) : key(b) - key(a))
      const limit = Math.min(query.limit ?? 100, cap)
      const page = query.page ?? 1
      const items = visible.slice((page - 1) * limit, page * limit).map((m) =>
        new Tracking({
          trackingNumber: m.number,
          carrierCode: m.carrier,
          status: statusAt(m, t),
          updatedAt: render(serverStart + updatedAt(m, t), format)
        })
      )
      return new TrackingPage({ page, limit, total: visible.length, items })
    })
  return { calls, list }
}

/**
 * A clock of simulated time for one fiber: a wait moves it on at once. A run waits thousands of times, which
 * the TestClock (a few ms of real time per wait) would make minutes for a property.
 */
const virtualClock = (): Clock.Clock => {
  let now = 0
  const nanos = () => BigInt(now) * 1_000_000n
  return {
    [Clock.ClockTypeId]: Clock.ClockTypeId,
    unsafeCurrentTimeMillis: () => now,
    unsafeCurrentTimeNanos: nanos,
    currentTimeMillis: Effect.sync(() => now),
    currentTimeNanos: Effect.sync(nanos),
    sleep: (duration) =>
      Effect.sync(() => {
        now += Duration.toMillis(duration)
      })
  }
}

/** Runs a stream to its end on a clock of its own. */
export const collect = <A, E>(stream: Stream.Stream<A, E>) =>
  Effect.map(Stream.runCollect(stream).pipe(Effect.withClock(virtualClock())), Chunk.toReadonlyArray)

