/**
 * The rounds of `pollUntilFinal` on the TestClock against the model of the list endpoint (test/utils/listModel.ts):
 * when rounds run, what each call asks for, and the two edges a time filter can miss a change at.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Fiber from "effect/Fiber"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/TestClock"
import * as internalPoll from "../src/internal/poll.js"
import type { Tracking } from "../src/Tracking.js"
import { type Model, pad, server, serverStart } from "./utils/listModel.js"

const config = (options: Record<string, unknown>) => Either.getOrThrow(internalPoll.resolve(options))

/** Runs a poll on the TestClock for `seconds`, to its end. */
const run = <E>(stream: Stream.Stream<Tracking, E>, seconds: number) =>
  Effect.gen(function*() {
    const fiber = yield* Effect.fork(Stream.runCollect(stream))
    yield* TestClock.adjust(Duration.seconds(seconds))
    return Chunk.toReadonlyArray(yield* Fiber.join(fiber))
  })

const statusesOf = (emitted: ReadonlyArray<Tracking>, number: string) =>
  emitted.filter((t) => t.trackingNumber === number).map((t) => t.status)

/** The unix second of a model time (ms after the poll starts). */
const second = (t: number) => Math.floor((serverStart + t) / 1000)

const pending = (number: string, createdAt: number, ...changes: ReadonlyArray<readonly [number, string]>): Model => ({
  number,
  carrier: "dhl",
  createdAt,
  statuses: [[createdAt, "pending"], ...changes],
  bumps: []
})

describe("pollUntilFinal rounds", () => {
  it.effect("a round that finds nothing doubles the wait up to maxInterval; a change brings the interval back", () =>
    Effect.gen(function*() {
      const api = server([pending("RR1", -10_000, [100_000, "transit"], [200_000, "delivered"])], "created-asc", "utc", 2000, 0)
      const emitted = yield* run(
        internalPoll.pollUntilFinal(api.list, [{ trackingNumber: "RR1" }], config({
          interval: "10 seconds",
          maxInterval: "40 seconds",
          overlap: "5 seconds"
        })),
        1000
      )
      assert.deepStrictEqual(statusesOf(emitted, "RR1"), ["pending", "transit", "delivered"])
      assert.deepStrictEqual(api.calls.map((c) => c.at / 1000), [0, 10, 30, 70, 110, 120, 140, 180, 220])
      // Up to 40 shipments: their numbers, one call a round; from the second round on, only what changed since
      // the newest update the previous round's first answer showed, less the overlap.
      assert.deepStrictEqual(api.calls.map((c) => c.query.updateTimeMin), [
        undefined,
        ...[0, 10, 30, 70].map(() => second(-10_000) - 5),
        ...[110, 120, 140, 180].map(() => second(100_000) - 5)
      ])
      for (const call of api.calls) assert.deepStrictEqual([call.query.numbers, call.query.limit], [["RR1"], 2000])
    }))

  it.effect("the deadline cuts a backed-off wait short and ends the stream", () =>
    Effect.gen(function*() {
      const api = server([], "created-asc", "utc", 2000, 0)
      const emitted = yield* run(
        internalPoll.pollUntilFinal(api.list, [{ trackingNumber: "NEVER1", carrierCode: "dhl" }], config({
          interval: "10 seconds",
          maxInterval: "40 seconds",
          deadline: "90 seconds"
        })),
        1000
      )
      assert.deepStrictEqual(emitted, [])
      // nothing found in the first round either: 10 s doubled at once; the 40 s after 60 cut to 30
      assert.deepStrictEqual(api.calls.map((c) => c.at / 1000), [0, 20, 60, 90])
    }))

  it.effect("over 40 shipments: what changed, in pages of 2000, rather than their numbers", () =>
    Effect.gen(function*() {
      const followed = Array.from({ length: 45 }, (_, i) => pending(`F${pad(i, 3)}`, 0, [10_000, "delivered"]))
      const api = server(followed, "created-asc", "utc", 2000, 0)
      const emitted = yield* run(
        internalPoll.pollUntilFinal(api.list, followed.map((m) => ({ trackingNumber: m.number })), config({
          interval: "20 seconds",
          overlap: "0 seconds"
        })),
        1000
      )
      assert.strictEqual(emitted.length, 90)
      assert.deepStrictEqual(api.calls.map((c) => [c.at / 1000, c.query.page, c.query.limit, c.query.numbers, c.query.updateTimeMin]), [
        [0, 1, 2000, undefined, undefined],
        [20, 1, 2000, undefined, second(0)]
      ])
    }))

  it.effect("an account busy with other trackings: the shipments' numbers when they take fewer calls", () =>
    Effect.gen(function*() {
      const followed = Array.from({ length: 45 }, (_, i) => pending(`F${pad(i, 3)}`, 0, [10_000, "delivered"]))
      const others = Array.from({ length: 4500 }, (_, i) => pending(`O${pad(i, 4)}`, -60_000))
      const api = server([...others, ...followed], "created-asc", "utc", 2000, 0)
      const emitted = yield* run(
        internalPoll.pollUntilFinal(api.list, followed.map((m) => ({ trackingNumber: m.number })), config({
          interval: "20 seconds",
          overlap: "0 seconds"
        })),
        1000
      )
      assert.strictEqual(emitted.length, 90)
      assert.deepStrictEqual(api.calls.map((c) => [c.at / 1000, c.query.page, c.query.numbers?.length, c.query.updateTimeMin]), [
        // the account's first page (none of the 45 on it); 2 calls by number beat the 2 pages left
        [0, 1, undefined, undefined],
        [0, 1, 40, undefined],
        [0, 1, 5, undefined],
        // the next round goes straight to the numbers, for what changed since the newest update of page 1
        [20, 1, 40, second(-60_000)],
        [20, 1, 5, second(-60_000)]
      ])
    }))

  it.effect("a change in the same second as the newest update seen, after that answer, is read the next round", () =>
    Effect.gen(function*() {
      // The server's clock is at x.250 s when the poll starts: RR1 was updated at x.150, RR2 changes at x.750.
      const api = server([
        pending("RR1", -100),
        pending("RR2", -10_000, [500, "transit"])
      ], "created-asc", "utc", 2000, 0)
      const emitted = yield* run(
        internalPoll.pollUntilFinal(api.list, [{ trackingNumber: "RR1" }, { trackingNumber: "RR2" }], config({
          interval: "10 seconds",
          overlap: "0 seconds",
          deadline: "15 seconds"
        })),
        100
      )
      assert.deepStrictEqual(api.calls.map((c) => c.query.updateTimeMin), [undefined, second(0)])
      assert.deepStrictEqual(statusesOf(emitted, "RR2"), ["pending", "transit"])
    }))

  it.effect("a change on a page read already, while the later pages are read, is read the next round", () =>
    Effect.gen(function*() {
      // 90 shipments, a page size of 30, one call a second: paging (3 calls) beats their numbers (40 at 30 a page:
      // 5 calls). While the second round reads its pages, A (page 1) changes, then C (page 3): the next round
      // must start from before A's change, not from C's.
      const models = Array.from({ length: 90 }, (_, i) => pending(`F${pad(i, 3)}`, -1_000_000))
      const statuses = (i: number) => models[i]!.statuses as Array<readonly [number, string]>
      statuses(0).push([5_000, "transit"])
      const api = server(models, "created-asc", "utc", 2000, 1000)
      let hooked = false
      const list: internalPoll.List = (query) =>
        Effect.tap(api.list(query), () =>
          Effect.gen(function*() {
            if (hooked || query.updateTimeMin === undefined) return
            hooked = true
            const now = yield* Clock.currentTimeMillis
            statuses(0).push([now + 500, "pickup"])
            statuses(65).push([now + 1_500, "pickup"])
          }))
      const emitted = yield* run(
        internalPoll.pollUntilFinal(list, models.map((m) => ({ trackingNumber: m.number })), {
          ...config({ interval: "10 seconds", overlap: "0 seconds", deadline: "60 seconds" }),
          pageSize: 30
        }),
        200
      )
      assert.deepStrictEqual(api.calls.slice(0, 7).map((c) => [c.at / 1000, c.query.page, c.query.updateTimeMin]), [
        [1, 1, undefined],
        [2, 2, undefined],
        [3, 3, undefined],
        [14, 1, second(-1_000_000)],
        [15, 2, second(-1_000_000)],
        [16, 3, second(-1_000_000)],
        // from A's first change, the newest update of the second round's first page
        [27, 1, second(5_000)]
      ])
      assert.deepStrictEqual(statusesOf(emitted, "F000"), ["pending", "transit", "pickup"])
      assert.deepStrictEqual(statusesOf(emitted, "F065"), ["pending", "pickup"])
    }))

  it.effect("a shipment without a carrier is read by number though one of its trackings was on the first page", () =>
    Effect.gen(function*() {
      // X is kept under ups and dhl and followed under any carrier; 44 shipments more, 100 other trackings, pages
      // of 2: after the first page the numbers take fewer calls than the pages. X/ups on that page does not
      // mean X was read: X/dhl, created last, is on no page read, and changes too.
      const at = (number: string, carrier: string, createdAt: number, ...changes: ReadonlyArray<readonly [number, string]>) => ({
        ...pending(number, createdAt, ...changes),
        carrier
      })
      const followed = Array.from({ length: 44 }, (_, i) => pending(`F${pad(i, 3)}`, -900_000))
      const others = Array.from({ length: 100 }, (_, i) => pending(`O${pad(i, 3)}`, -800_000, [5_000, "transit"]))
      const api = server([
        at("X", "ups", -1_000_000, [5_000, "transit"]),
        ...followed,
        ...others,
        at("X", "dhl", -700_000, [4_000, "transit"])
      ], "created-asc", "utc", 2000, 0)
      const emitted = yield* run(
        internalPoll.pollUntilFinal(api.list, [
          { trackingNumber: "X" },
          ...followed.map((m) => ({ trackingNumber: m.number, carrierCode: "dhl" }))
        ], { ...config({ interval: "10 seconds", overlap: "0 seconds", deadline: "30 seconds" }), pageSize: 2 }),
        100
      )
      const of = (carrier: string) => emitted.filter((t) => t.trackingNumber === "X" && t.carrierCode === carrier)
      assert.deepStrictEqual(of("ups").map((t) => t.status), ["pending", "transit"])
      assert.deepStrictEqual(of("dhl").map((t) => t.status), ["pending", "transit"])
      // every round (a moment of its own here) reads X by number
      const rounds = new Set(api.calls.map((c) => c.at))
      assert.deepStrictEqual(new Set(api.calls.filter((c) => c.query.numbers?.includes("X") === true).map((c) => c.at)), rounds)
    }))
})
