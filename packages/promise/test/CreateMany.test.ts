/**
 * `createMany`'s `deadline` through the facade, against the simulator at 1 request per simulated second, a
 * simulated second being 100 ms here (not 10 as elsewhere): preparing a call is not time-scaled, so the queue
 * must be long next to it for a deadline to fall inside the queue on a busy machine. `NotSent` outcomes as
 * plain objects, and the facade's bulk types against the client's.
 */
import type * as ClientOutcome from "@trackingmore-effect/client/CreateOutcome"
import type * as EffectClient from "@trackingmore-effect/client/TrackingMoreClient"
import { Simulator } from "@trackingmore-effect/simulator"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import { createClient, isTrackingMoreError, TrackingMoreApiError } from "../src/index.js"
import type { BulkOptions, CreateOutcome, TrackingMoreClient } from "../src/index.js"
import { scaled } from "./utils.js"

/** `true` when each type is assignable to the other. */
type Mutual<A, B> = [A] extends [B] ? [B] extends [A] ? true : false : false
/** `true` when `A` is assignable to `B`. */
type Extends<A, B> = [A] extends [B] ? true : false
/** Compiles only for `true`. */
type Check<T extends true> = T

/** The facade's outcomes and bulk options are the client's: the same tags, the same option names. */
export type Shapes = [
  Check<Mutual<CreateOutcome["_tag"], ClientOutcome.CreateOutcome["_tag"]>>,
  Check<Mutual<keyof Extract<CreateOutcome, { _tag: "NotSent" }>, keyof Extract<ClientOutcome.CreateOutcome, { _tag: "NotSent" }>>>,
  Check<Extends<Omit<BulkOptions, "signal">, EffectClient.BulkOptions>>,
  Check<Mutual<Exclude<keyof BulkOptions, "signal">, keyof EffectClient.BulkOptions>>
]

const timeScale = 0.1

/** Real milliseconds of `s` simulated seconds. */
const ms = (s: number) => s * timeScale * 1000
const duration = (s: number): `${number} millis` => `${ms(s)} millis`

let sim: Simulator.SimulatorServer
let client: TrackingMoreClient

beforeAll(async () => {
  sim = await Simulator.startServer({ timeScale, seed: 3 })
  client = createClient(scaled(sim.baseUrl, {
    policy: { tooManyRequests: { wait: duration(120) }, deadline: duration(600) },
    rateLimits: {
      default: { limit: 1, window: duration(1) },
      realtime: { limit: 3, window: duration(1) },
      list: { limit: 1, window: duration(1) }
    }
  }))
})
afterAll(async () => {
  await client.close()
  await sim.close()
})
beforeEach(() => sim.reset())

const items = (n: number, prefix: string) =>
  Array.from({ length: n }, (_, i) => ({ trackingNumber: `${prefix}${String(i).padStart(7, "0")}CN`, carrierCode: "china-post" }))

const batchCalls = () => sim.log().filter((e) => e.endpoint === "batch")

describe("createMany with a deadline", () => {
  it("resolves with the items not sent by the deadline as NotSent plain objects, which go through when sent again", async () => {
    const input = items(400, "DL")
    // 10 chunks at 1 request/s take 9 simulated seconds; the deadline is 3.5.
    const outcomes = await client.createMany(input, { deadline: ms(3.5) })
    const sent = batchCalls().length
    expect(sent).toBeGreaterThanOrEqual(1)
    expect(sent).toBeLessThan(10)
    expect(outcomes.map((o) => o._tag)).toEqual([
      ...Array<string>(40 * sent).fill("Created"),
      ...Array<string>(400 - 40 * sent).fill("NotSent")
    ])
    expect(batchCalls().every((e) => e.status === 200)).toBe(true)
    const notSent = outcomes.flatMap((o) => o._tag === "NotSent" ? [o] : [])
    for (const outcome of notSent) {
      expect(Object.getPrototypeOf(outcome)).toBe(Object.prototype)
      expect(outcome.reason).toBeInstanceOf(TrackingMoreApiError)
      expect(isTrackingMoreError(outcome.reason, "DeadlineExceeded")).toBe(true)
      expect(outcome.reason.tag).toBe("DeadlineExceeded")
      expect(["rate-limit", "cooldown", "probe"]).toContain(outcome.reason.cause.waitingFor)
    }

    const again = await client.createMany(notSent.map((o) => o.input))
    expect(again.every((o) => o._tag === "Created")).toBe(true)
    expect(again.length).toBe(400 - 40 * sent)
  })

  it("takes the deadline as a duration string too; zero sends nothing", async () => {
    const outcomes = await client.createMany(items(3, "ZERO"), { deadline: "0 millis" })
    expect(outcomes.map((o) => o._tag)).toEqual(["NotSent", "NotSent", "NotSent"])
    expect(sim.log().length).toBe(0)
  })

  it("a deadline that is not a duration rejects with InvalidRequest, sending nothing", async () => {
    const error = await client.createMany(items(3, "BAD"), { deadline: "soon" as never }).catch((e: unknown) => e)
    expect(isTrackingMoreError(error, "InvalidRequest")).toBe(true)
    expect((error as Error).message).toContain("deadline must be a duration")
    expect(sim.log().length).toBe(0)
  })

  it("updateMany and deleteMany take it too", async () => {
    const input = items(80, "UPD")
    await client.createMany(input)
    const updated = await client.updateMany(input.map((i) => ({ ...i, title: "t" })), { deadline: "10 minutes" })
    expect(updated.updated).toBe(80)
    const error = await client.deleteMany(input, { deadline: 0 }).catch((e: unknown) => e)
    expect(isTrackingMoreError(error, "DeadlineExceeded")).toBe(true)
    expect(sim.log().filter((e) => e.endpoint === "deleteMany").length).toBe(0)
  })
})
