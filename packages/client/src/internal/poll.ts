/**
 * Polling until final with as few list calls as the list endpoint allows.
 *
 * A round asks for what changed since the previous one (`update_time_min`) in pages of the documented maximum
 * (2000), so a tracking that did not change costs nothing, instead of re-reading every number 40 at a time. When
 * the changed set is larger than the caller's numbers (a busy account), the round reads those numbers instead
 * (still with `update_time_min`): it takes whichever needs fewer calls. Rounds that find nothing new back off
 * (doubling up to `maxInterval`); the first change brings the base interval back. Every call goes through the
 * client's `list`, so the `list` rate-limit group paces them.
 *
 * The time filter is the server's clock against the server's clock: the next round's `update_time_min` is the
 * newest `updated_at` of the round's first answer (which no change after that answer can predate) less
 * `overlap`, never a time of this machine, whose clock may be skewed and whose time zone does not matter.
 */
import * as Endpoint from "@trackingmore-effect/core/Endpoint"
import * as Options from "@trackingmore-effect/core/Options"
import type * as TrackingMoreError from "@trackingmore-effect/core/TrackingMoreError"
import * as Arr from "effect/Array"
import * as Chunk from "effect/Chunk"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import type { ListQuery } from "../Requests.js"
import type { TrackingPage } from "../Responses.js"
import type { Tracking } from "../Tracking.js"
import { isFinalStatus } from "../Tracking.js"

export interface Shipment {
  readonly trackingNumber: string
  readonly carrierCode?: string | undefined
}

/** The list call polling makes: the client's `list`, paced and retried like any other call. */
export type List = (query: ListQuery) => Effect.Effect<TrackingPage, TrackingMoreError.TrackingMoreError>

/** Polling options, checked, with every default filled in. */
export interface PollConfig {
  readonly interval: Duration.Duration
  readonly maxInterval: Duration.Duration
  /** `undefined`: no deadline. */
  readonly deadline: Duration.Duration | undefined
  readonly overlap: Duration.Duration
  /** Trackings asked for per page: core's `Endpoint.maxPageSize`; tests take less, to page with few trackings. */
  readonly pageSize: number
}

const optionNames = ["interval", "maxInterval", "deadline", "overlap"]

/**
 * Checks the options of `pollUntilFinal`: `interval` a duration longer than zero (default 5 minutes),
 * `maxInterval` at least `interval` (default four times it), `deadline` any duration or `Infinity` (default
 * none), `overlap` a finite duration (default 1 minute), no unknown option.
 */
export const resolve = (options: unknown): Either.Either<PollConfig, Options.InvalidOption> =>
  Either.gen(function*() {
    yield* Options.knownKeys("options", options, optionNames)
    const given = (options ?? {}) as { readonly [K in "interval" | "maxInterval" | "deadline" | "overlap"]?: unknown }
    const interval = yield* Options.duration("interval", given.interval ?? "5 minutes", { allowZero: false })
    const maxInterval = given.maxInterval === undefined
      ? Duration.times(interval, 4)
      : yield* Options.duration("maxInterval", given.maxInterval)
    if (Duration.lessThan(maxInterval, interval)) {
      return yield* Either.left(
        Options.invalid(
          "maxInterval",
          `must be at least interval (${Duration.format(interval)}), got ${Duration.format(maxInterval)}`
        )
      )
    }
    const deadline = given.deadline === undefined
      ? undefined
      : yield* Options.duration("deadline", given.deadline, { allowInfinite: true })
    return {
      interval,
      maxInterval,
      deadline: deadline === undefined || !Duration.isFinite(deadline) ? undefined : deadline,
      overlap: yield* Options.duration("overlap", given.overlap ?? "1 minute"),
      pageSize: Endpoint.maxPageSize
    }
  })

// An `updated_at` with its zone, as the API writes it ("2018-04-16T06:30:02+00:00"); the simulator adds millis.
const zoned = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2}(?:\.\d+)?)(Z|[+-]\d{2}:?\d{2})$/i

/**
 * The epoch ms of a tracking's `updated_at`, or `undefined` when it names no zone or does not parse: a time
 * read in the wrong zone could set the next `update_time_min` hours late and miss changes, so such a time is
 * not used (the rounds then read from the last good one, which costs more but misses nothing).
 */
export const updatedMillis = (tracking: Tracking): number | undefined => {
  const match = tracking.updatedAt === undefined ? null : zoned.exec(tracking.updatedAt.trim())
  if (match === null) return undefined
  const zone = match[3]!.length === 5 ? `${match[3]!.slice(0, 3)}:${match[3]!.slice(3)}` : match[3]!
  const ms = Date.parse(`${match[1]}T${match[2]}${zone}`)
  return Number.isNaN(ms) ? undefined : ms
}

const keyOf = (tracking: Tracking): string => `${tracking.carrierCode.toLowerCase()}|${tracking.trackingNumber}`

/** One round: the calls it made, what it found, and the newest update its first answer showed. */
interface Round {
  /** `update_time_min` of every call of the round; `undefined` in the first round (read everything). */
  readonly since: number | undefined
  calls: number
  emitted: number
  /** epoch ms: no change that this round missed is older (the newest `updated_at` of its first answer) */
  newest: number | undefined
  /** the trackings of pending shipments this round has read, as `number|carrier` (lower case) */
  readonly seen: Set<string>
  /** a changed set that shrank between two pages may have moved a tracking past us: do not advance */
  shrank: boolean
  lastTotal: number | undefined
}

type Phase =
  | { readonly _tag: "Start" }
  | { readonly _tag: "Changed"; readonly round: Round; readonly page: number }
  | {
    readonly _tag: "Numbers"
    readonly round: Round
    readonly chunks: ReadonlyArray<ReadonlyArray<string>>
    readonly page: number
  }
  | { readonly _tag: "Sleep"; readonly millis: number }
  | { readonly _tag: "End" }

/** A round's query: `update_time_min` from the second round on. */
const query = (round: Round, rest: ListQuery): ListQuery =>
  round.since === undefined ? rest : { ...rest, updateTimeMin: round.since }

/** The calls that read `count` numbers, 40 a call, at `size` trackings a page (one tracking a number). */
const numbersCalls = (count: number, size: number): number => {
  const most = Endpoint.maxBatchSize
  const rest = count % most
  return Math.floor(count / most) * Math.ceil(most / size) + (rest > 0 ? Math.ceil(rest / size) : 0)
}

/** Every how many rounds a busy account's changed set is asked for again. */
const reprobe = 4

const end: Phase = { _tag: "End" }
const start: Phase = { _tag: "Start" }

/**
 * Polls until every shipment is final or the deadline passes, emitting each tracking the first time it is seen
 * and whenever its status changes.
 */
export const pollUntilFinal = (
  list: List,
  shipments: ReadonlyArray<Shipment>,
  config: PollConfig
): Stream.Stream<Tracking, TrackingMoreError.TrackingMoreError> =>
  Stream.unwrap(Effect.gen(function*() {
    const started = yield* Clock.currentTimeMillis
    const deadline = config.deadline === undefined ? Infinity : started + Duration.toMillis(config.deadline)
    const interval = Duration.toMillis(config.interval)
    const maxInterval = Duration.toMillis(config.maxInterval)
    const overlapSeconds = Math.ceil(Duration.toSeconds(config.overlap))
    const book = makeBook(shipments)
    /** `update_time_min` of the next round, unix seconds; `undefined` until a round showed a usable time */
    let cursor: number | undefined
    let wait = interval
    /**
     * Rounds left that go straight to the numbers: after the changed set took more calls than the numbers, the
     * next rounds skip asking for its first page (a call whose answer would go mostly unused), and every
     * `reprobe`-th round asks again, as the set shrinks when the cursor moves on.
     */
    let skipChanged = 0

    const answer = (round: Round, page: TrackingPage): Array<Tracking> => {
      round.calls++
      if (round.calls === 1) {
        for (const tracking of page.items) {
          const ms = updatedMillis(tracking)
          if (ms !== undefined && (round.newest === undefined || ms > round.newest)) round.newest = ms
        }
      }
      const out = book.absorb(page.items, round.seen)
      round.emitted += out.length
      return out
    }

    /** After the round's last call: where the next one starts from, how long to wait, or the end. */
    const close = (round: Round): Effect.Effect<Phase> =>
      Effect.gen(function*() {
        if (round.newest !== undefined && !round.shrank) {
          const next = Math.floor(round.newest / 1000) - overlapSeconds
          cursor = cursor === undefined ? next : Math.max(cursor, next)
        }
        if (book.done()) return end
        wait = round.emitted > 0 ? interval : Math.min(wait * 2, maxInterval)
        const now = yield* Clock.currentTimeMillis
        // The deadline test of the fixed interval: the stream ends when a round at the base interval would
        // start after it; a backed-off wait is cut short to make the last round at the deadline.
        if (now + interval > deadline) return end
        return { _tag: "Sleep", millis: Math.min(wait, deadline - now) }
      })

    /** The page size the server used (it may cap `limit`), else the one asked for. */
    const pageSize = (answered: TrackingPage): number =>
      answered.limit !== undefined && answered.limit > 0 ? answered.limit : config.pageSize

    const numbersPhase = (round: Round, numbers: ReadonlyArray<string>): Effect.Effect<Phase> =>
      numbers.length === 0
        ? close(round)
        : Effect.succeed({ _tag: "Numbers", round, chunks: Arr.chunksOf(numbers, Endpoint.maxBatchSize), page: 1 })

    const step = (phase: Phase): Effect.Effect<
      Option.Option<readonly [Chunk.Chunk<Tracking>, Phase]>,
      TrackingMoreError.TrackingMoreError
    > => {
      switch (phase._tag) {
        case "End":
          return Effect.succeedNone
        case "Sleep":
          return Effect.as(Effect.sleep(Duration.millis(phase.millis)), Option.some([Chunk.empty(), start] as const))
        case "Start": {
          if (book.done()) return Effect.succeedNone
          const round: Round = {
            since: cursor,
            calls: 0,
            emitted: 0,
            newest: undefined,
            seen: new Set(),
            shrank: false,
            lastTotal: undefined
          }
          const pending = book.pendingNumbers()
          // Up to 40 numbers are one call either way, and the smaller answer.
          if (pending.length > Endpoint.maxBatchSize && skipChanged === 0) return step({ _tag: "Changed", round, page: 1 })
          skipChanged = Math.max(0, skipChanged - 1)
          return step({ _tag: "Numbers", round, chunks: Arr.chunksOf(pending, Endpoint.maxBatchSize), page: 1 })
        }
        case "Changed": {
          const { page, round } = phase
          return Effect.flatMap(list(query(round, { limit: config.pageSize, page })), (answered) => {
            const out = answer(round, answered)
            const size = pageSize(answered)
            const total = answered.total
            if (total !== undefined) {
              if (round.lastTotal !== undefined && total < round.lastTotal) round.shrank = true
              round.lastTotal = total
            }
            const more = answered.items.length > 0 &&
              (total === undefined ? answered.items.length >= size : page * size < total)
            let next: Effect.Effect<Phase>
            if (!more) next = close(round)
            else if (page > 1) next = Effect.succeed({ _tag: "Changed", round, page: page + 1 })
            else {
              // After the first page: the rest of the changed set, or the caller's numbers not read yet,
              // whichever takes fewer calls (an account busy with other trackings pages for long).
              const unread = book.unread(round.seen)
              const pages = total === undefined ? Infinity : Math.ceil((total - page * size) / size)
              if (numbersCalls(unread.length, size) <= pages) {
                skipChanged = reprobe - 1
                next = numbersPhase(round, unread)
              } else next = Effect.succeed({ _tag: "Changed", round, page: page + 1 })
            }
            return Effect.map(next, (phase) => Option.some([Chunk.unsafeFromArray(out), phase] as const))
          })
        }
        case "Numbers": {
          const { chunks, page, round } = phase
          const numbers = chunks[0]!
          return Effect.flatMap(
            list(query(round, { numbers, limit: config.pageSize, page })),
            (answered) => {
              const out = answer(round, answered)
              const size = pageSize(answered)
              // 40 numbers hold more than a page only with many carriers per number; read those pages too.
              const more = answered.items.length > 0 && answered.total !== undefined && page * size < answered.total
              const next: Effect.Effect<Phase> = more
                ? Effect.succeed({ _tag: "Numbers", round, chunks, page: page + 1 })
                : chunks.length > 1
                ? Effect.succeed({ _tag: "Numbers", round, chunks: chunks.slice(1), page: 1 })
                : close(round)
              return Effect.map(next, (phase) => Option.some([Chunk.unsafeFromArray(out), phase] as const))
            }
          )
        }
      }
    }

    return Stream.unfoldChunkEffect(start, step)
  }))

/** What polling knows of the caller's shipments: which are not final yet, and what it emitted. */
interface Book {
  /** The trackings of `items` to emit (the caller's, new or with a new status); records those read in `seen`. */
  readonly absorb: (items: ReadonlyArray<Tracking>, seen: Set<string>) => Array<Tracking>
  readonly pendingNumbers: () => Array<string>
  /**
   * The pending numbers `seen` does not cover: a shipment with a carrier is covered by its tracking, one without
   * never is (a number may be kept under another carrier too, which the answers read so far need not hold).
   */
  readonly unread: (seen: ReadonlySet<string>) => Array<string>
  readonly done: () => boolean
}

const makeBook = (shipments: ReadonlyArray<Shipment>): Book => {
  /** Shipments not final yet, by number; `undefined` carrier means any carrier. */
  const pending = new Map<string, Array<Shipment>>()
  for (const shipment of shipments) {
    const list = pending.get(shipment.trackingNumber)
    if (list === undefined) pending.set(shipment.trackingNumber, [shipment])
    else list.push(shipment)
  }
  /** Last status emitted per tracking (carrier|number). */
  const emitted = new Map<string, string | undefined>()
  /** The latest status of every tracking of a pending number, by number, then by carrier (lower case). */
  const latest = new Map<string, Map<string, string | undefined>>()
  const matches = (shipment: Shipment, carrier: string) =>
    shipment.carrierCode === undefined || shipment.carrierCode.toLowerCase() === carrier

  return {
    absorb: (items, seen) => {
      const out: Array<Tracking> = []
      const touched = new Set<string>()
      for (const tracking of items) {
        const number = tracking.trackingNumber
        const waiting = pending.get(number)
        if (waiting === undefined) continue
        const carrier = tracking.carrierCode.toLowerCase()
        if (!waiting.some((shipment) => matches(shipment, carrier))) continue
        seen.add(`${number}|${carrier}`)
        const statuses = latest.get(number) ?? new Map<string, string | undefined>()
        statuses.set(carrier, tracking.status)
        latest.set(number, statuses)
        touched.add(number)
        const key = keyOf(tracking)
        if (!emitted.has(key) || emitted.get(key) !== tracking.status) {
          emitted.set(key, tracking.status)
          out.push(tracking)
        }
      }
      // A shipment is final when every tracking of it seen so far is final (at least one seen): a number kept
      // under two carriers is not final while one of them still moves, though only the other changed.
      for (const number of touched) {
        const statuses = [...latest.get(number)!]
        const left = pending.get(number)!.filter((shipment) => {
          const seenOfIt = statuses.filter(([carrier]) => matches(shipment, carrier))
          return seenOfIt.length === 0 || !seenOfIt.every(([, status]) => isFinalStatus(status))
        })
        if (left.length === 0) {
          pending.delete(number)
          latest.delete(number)
        } else pending.set(number, left)
      }
      return out
    },
    pendingNumbers: () => [...pending.keys()],
    unread: (seen) =>
      [...pending].filter(([number, waiting]) =>
        waiting.some((shipment) =>
          shipment.carrierCode === undefined || !seen.has(`${number}|${shipment.carrierCode.toLowerCase()}`)
        )
      ).map(([number]) => number),
    done: () => pending.size === 0
  }
}
