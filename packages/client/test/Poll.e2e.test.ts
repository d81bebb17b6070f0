import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as HttpClient from "@effect/platform/HttpClient"
import { afterAll, assert, beforeAll, beforeEach, describe, it } from "@effect/vitest"
import * as Options from "@trackingmore-effect/core/Options"
import type { Simulator } from "@trackingmore-effect/simulator"
import * as Cause from "effect/Cause"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import * as Tracking from "../src/Tracking.js"
import * as TrackingMoreClient from "../src/TrackingMoreClient.js"
import { scaledOptions, startSimulator, use } from "./utils/sim.js"

let sim: Simulator.SimulatorServer

/** A lifecycle step of 1 000 000 simulated seconds: trackings move only when a test advances the clock. */
const step = 1_000_000

beforeAll(async () => {
  sim = await startSimulator({ lifecycleStepSeconds: step })
})
afterAll(() => sim.close())
beforeEach(() => sim.reset())

const items = (n: number, prefix: string) =>
  Array.from({ length: n }, (_, i) => ({ trackingNumber: `${prefix}${String(i).padStart(6, "0")}`, carrierCode: "dhl" }))

/** A client over fetch that records the query of every list call answered. */
const recording = () => {
  const lists: Array<Readonly<Record<string, string>>> = []
  const http = Layer.effect(
    HttpClient.HttpClient,
    Effect.map(HttpClient.HttpClient, (client) =>
      HttpClient.tap(client, ({ request }) =>
        Effect.sync(() => {
          if (request.method === "GET" && request.url.endsWith("/trackings/get")) {
            lists.push(Object.fromEntries(request.urlParams))
          }
        })))
  ).pipe(Layer.provide(FetchHttpClient.layer))
  const layer = TrackingMoreClient.layer(scaledOptions("sim-key-1", sim.baseUrl)).pipe(Layer.provide(http), Layer.orDie)
  return { lists, layer }
}

/**
 * Polls on the simulator, moving its clock one lifecycle step on after each list call polling makes: every round
 * then finds the trackings one status further, however slow the machine.
 */
const driven = (
  tm: TrackingMoreClient.Service,
  client: ReturnType<typeof recording>,
  shipments: ReadonlyArray<TrackingMoreClient.Shipment>,
  options: TrackingMoreClient.PollOptions
) =>
  Effect.gen(function*() {
    const fiber = yield* Effect.fork(Stream.runCollect(tm.pollUntilFinal(shipments, options)))
    let seen = client.lists.length
    while (Option.isNone(yield* Fiber.poll(fiber))) {
      if (client.lists.length > seen) {
        seen = client.lists.length
        sim.advance(step * 1000)
      }
      yield* Effect.sleep("2 millis")
    }
    return Chunk.toReadonlyArray(yield* Fiber.join(fiber))
  })

/** Each tracking's statuses as emitted; checks that no two in a row are the same. */
const byNumber = (emitted: ReadonlyArray<Tracking.Tracking>) => {
  const out = new Map<string, Array<string | undefined>>()
  for (const tracking of emitted) {
    const statuses = out.get(tracking.trackingNumber) ?? []
    assert.notStrictEqual(statuses.at(-1), tracking.status, `${tracking.trackingNumber} emitted twice in a row`)
    out.set(tracking.trackingNumber, [...statuses, tracking.status])
  }
  return out
}

describe("pollUntilFinal on the simulator", () => {
  it.live("over 40 shipments: one list call a round, of what changed since the previous round", () => {
    const client = recording()
    return use(client.layer, (tm) =>
      Effect.gen(function*() {
        const followed = items(45, "POLL")
        yield* tm.createMany([...followed, ...items(5, "OTHER")])
        const before = client.lists.length
        const emitted = yield* driven(tm, client, followed.map((i) => ({ trackingNumber: i.trackingNumber })), {
          interval: "20 millis",
          maxInterval: "80 millis",
          deadline: "20 seconds"
        })
        const statuses = byNumber(emitted)
        assert.deepStrictEqual([...statuses.keys()].sort(), followed.map((i) => i.trackingNumber))
        for (const [number, seen] of statuses) {
          // from pending (nothing moves before the first round) to a final status
          assert.strictEqual(seen[0], "pending", number)
          assert.isTrue(Tracking.isFinalStatus(seen.at(-1)), number)
        }
        const [first, ...rest] = client.lists.slice(before)
        assert.deepStrictEqual(first, { limit: "2000", page: "1" })
        assert.isAbove(rest.length, 0)
        // Then what changed since the previous round, one page; by number once 40 or fewer are left.
        for (const query of rest) {
          assert.deepStrictEqual([query.limit, query.page], ["2000", "1"])
          assert.match(query.update_time_min!, /^\d+$/)
          if (query.numbers !== undefined) assert.isAtMost(query.numbers.split(",").length, 40)
        }
        assert.isTrue(rest.some((query) => query.numbers === undefined), "a round over 40 asks for what changed")
        // the time filter only moves forward
        const since = rest.map((query) => Number(query.update_time_min))
        assert.deepStrictEqual(since, [...since].sort((a, b) => a - b))
      }))
  })

  it.live("up to 40 shipments: their numbers in one call a round, only what changed after the first", () => {
    const client = recording()
    return use(client.layer, (tm) =>
      Effect.gen(function*() {
        const followed = items(12, "FEW")
        yield* tm.createMany(followed)
        const before = client.lists.length
        const emitted = yield* driven(
          tm,
          client,
          followed.map((i) => ({ trackingNumber: i.trackingNumber, carrierCode: "DHL" })),
          { interval: "20 millis", deadline: "20 seconds" }
        )
        assert.strictEqual(byNumber(emitted).size, 12)
        const polls = client.lists.slice(before)
        assert.strictEqual(polls[0]!.update_time_min, undefined)
        // the numbers not final yet
        assert.strictEqual(polls[0]!.numbers, followed.map((i) => i.trackingNumber).join(","))
        for (const query of polls) {
          for (const number of query.numbers!.split(",")) assert.isTrue(number.startsWith("FEW"), number)
        }
        for (const query of polls.slice(1)) assert.match(query.update_time_min!, /^\d+$/)
      }))
  })

  it.live("options that cannot work: validatePollOptions names them, and the stream dies before any call", () => {
    const client = recording()
    return use(client.layer, (tm) =>
      Effect.gen(function*() {
        const invalid: ReadonlyArray<readonly [TrackingMoreClient.PollOptions, string]> = [
          [{ interval: 0 }, "interval"],
          [{ interval: "soon" } as unknown as TrackingMoreClient.PollOptions, "interval"],
          [{ interval: "10 minutes", maxInterval: "5 minutes" }, "maxInterval"],
          [{ maxInterval: "1 minute" }, "maxInterval"],
          [{ deadline: -1 }, "deadline"],
          [{ overlap: Infinity }, "overlap"],
          [{ intervall: "1 minute" } as TrackingMoreClient.PollOptions, "options.intervall"]
        ]
        for (const [options, option] of invalid) {
          const checked = TrackingMoreClient.validatePollOptions(options)
          assert.isTrue(Either.isLeft(checked), option)
          if (Either.isLeft(checked)) assert.strictEqual(checked.left.option, option)
          const exit = yield* Effect.exit(Stream.runDrain(tm.pollUntilFinal([{ trackingNumber: "RR1" }], options)))
          const defect = Exit.isFailure(exit) ? Cause.dieOption(exit.cause) : Option.none()
          assert.isTrue(Option.isSome(defect) && defect.value instanceof Options.InvalidOption, option)
        }
        assert.deepStrictEqual(client.lists, [])
        const valid: TrackingMoreClient.PollOptions = {
          interval: "1 minute",
          maxInterval: "1 minute",
          deadline: Infinity,
          overlap: 0
        }
        assert.deepStrictEqual(TrackingMoreClient.validatePollOptions(valid), Either.right(valid))
      }))
  })
})
