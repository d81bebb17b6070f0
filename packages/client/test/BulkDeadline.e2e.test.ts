/**
 * The bulk calls' overall deadline against the simulator over real HTTP on loopback at the real limit of 1
 * request per second, a simulated second being 100 ms here (not 10 as elsewhere): preparing a call is not
 * time-scaled, so the queue must be long next to it for a deadline to fall inside the queue on a busy machine.
 * The bounds asserted hold on a slow machine too: the first chunk needs no wait, and ten chunks cannot all go
 * within 3.5 simulated seconds.
 */
import { afterAll, assert, beforeAll, beforeEach, describe, it } from "@effect/vitest"
import type { Simulator } from "@trackingmore-effect/simulator"
import * as Effect from "effect/Effect"
import * as CreateOutcome from "../src/CreateOutcome.js"
import { clientLayer as simClient, scaledOptions, startSimulator, use } from "./utils/sim.js"

const timeScale = 0.1

/** `s` simulated seconds in real milliseconds. */
const simMs = (s: number): number => s * timeScale * 1000

let sim: Simulator.SimulatorServer

beforeAll(async () => {
  sim = await startSimulator({ timeScale })
})
afterAll(() => sim.close())
beforeEach(() => sim.reset())

const items = (n: number, prefix: string) =>
  Array.from({ length: n }, (_, i) => ({ trackingNumber: `${prefix}${String(i).padStart(6, "0")}`, carrierCode: "dhl" }))

const calls = (endpoint: string) => sim.log().filter((entry) => entry.endpoint === endpoint)

const clientLayer = (
  server: { readonly baseUrl: string },
  apiKey = "sim-key-1",
  overrides: Parameters<typeof simClient>[2] = {}
) => simClient(server, apiKey, overrides, timeScale)

/** A client whose policy lets each call last only 2 simulated seconds: bulk calls must not be bound by it. */
const impatient = () =>
  clientLayer(sim, "sim-key-1", {
    policy: { ...scaledOptions("sim-key-1", sim.baseUrl, timeScale).policy, deadline: `${simMs(2)} millis` }
  })

describe("createMany with a deadline (simulator)", () => {
  it.live("a deadline shorter than the queue: the chunks sent are Created, the rest NotSent, none answered 429", () =>
    use(clientLayer(sim), (client) =>
      Effect.gen(function*() {
        const input = items(400, "DL")
        // 10 chunks at 1 request/s take 9 simulated seconds; the deadline is 3.5.
        const outcomes = yield* client.createMany(input, { deadline: `${simMs(3.5)} millis` })
        const summary = CreateOutcome.summarize(outcomes)
        const sent = calls("batch")
        assert.isAtLeast(sent.length, 1)
        assert.isBelow(sent.length, 10)
        assert.deepStrictEqual(summary, { created: 40 * sent.length, existed: 0, failed: 0, notSent: 400 - 40 * sent.length })
        assert.isTrue(sent.every((entry) => entry.status === 200), "no 429, no other failure")
        outcomes.forEach((outcome, i) => assert.strictEqual(outcome.input, input[i]))

        // The server has exactly the Created ones; the NotSent ones go through when sent again.
        const page = yield* client.list({ limit: 2000 })
        assert.strictEqual(page.total, summary.created)
        const again = yield* client.createMany(outcomes.filter(CreateOutcome.isNotSent).map((o) => o.input))
        assert.deepStrictEqual(CreateOutcome.summarize(again), {
          created: summary.notSent,
          existed: 0,
          failed: 0,
          notSent: 0
        })
      })))

  it.live("without a deadline, a queue longer than the policy's per-call deadline completes", () =>
    use(impatient(), (client) =>
      Effect.gen(function*() {
        const outcomes = yield* client.createMany(items(400, "LONG"))
        assert.deepStrictEqual(CreateOutcome.summarize(outcomes), { created: 400, existed: 0, failed: 0, notSent: 0 })
        assert.strictEqual(calls("batch").length, 10)
      })))
})

describe("updateMany and deleteMany with a deadline (simulator)", () => {
  it.live("without a deadline they wait their turn past the policy's per-call deadline", () =>
    use(impatient(), (client) =>
      Effect.gen(function*() {
        const input = items(200, "UPD")
        yield* client.createMany(input)
        const updated = yield* client.updateMany(input.map((i) => ({ ...i, title: "t" })))
        assert.strictEqual(updated.updated, 200)
        const deleted = yield* client.deleteMany(input)
        assert.strictEqual(deleted.deleted, 200)
      })))

  it.live("a deadline shorter than the queue fails with DeadlineExceeded once it comes, sending nothing more", () =>
    use(clientLayer(sim), (client) =>
      Effect.gen(function*() {
        const input = items(400, "LATE")
        yield* client.createMany(input)
        // 10 chunks at 1 request/s take 9 simulated seconds; the deadline is 3.5.
        const error = yield* client.updateMany(input.map((i) => ({ ...i, title: "t" })), {
          deadline: `${simMs(3.5)} millis`
        }).pipe(Effect.flip)
        assert.strictEqual(error._tag, "DeadlineExceeded")
        assert.isBelow(calls("updateMany").length, 10)
        const none = yield* client.deleteMany(input, { deadline: 0 }).pipe(Effect.flip)
        assert.strictEqual(none._tag, "DeadlineExceeded")
        assert.strictEqual(calls("deleteMany").length, 0)
      })))

  it.live("a deadline that is not a duration is refused before anything is sent", () =>
    use(clientLayer(sim), (client) =>
      Effect.gen(function*() {
        const error = yield* client.deleteMany(items(3, "BAD"), { deadline: "tomorrow" as never }).pipe(Effect.flip)
        assert.strictEqual(error._tag, "InvalidRequest")
        assert.include(error.message, "deadline must be a duration")
        assert.strictEqual(calls("deleteMany").length, 0)
      })))
})
