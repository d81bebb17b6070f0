import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import * as TrackingMoreError from "@trackingmore-effect/core/TrackingMoreError"
import type { Fault, Simulator } from "@trackingmore-effect/simulator"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as fc from "effect/FastCheck"
import type * as TrackingMoreClient from "../src/TrackingMoreClient.js"
import { clientLayer, startSimulator, use } from "./utils/sim.js"

let sim: Simulator.SimulatorServer

beforeAll(async () => {
  sim = await startSimulator({ rateLimits: { default: 1e9, realtime: 1e9, list: 1e9, burst: 1e9 } })
})
afterAll(() => sim.close())

const apiKey = "sim-key-1"
const headers = { "Trackingmore-Api-Key": apiKey, "content-type": "application/json" }

// A few numbers on two carriers: callers collide often, on the same tracking and on the same number.
const numbers = ["PROP000001", "PROP000002", "PROP000003", "PROP000004", "PROP000005"]
const carriers = ["dhl", "ups"]
const keyOf = (number: string, carrier: string) => `${number}|${carrier}`

interface Caller {
  readonly kind: "create" | "get"
  readonly number: string
  readonly carrier: string
  /** Real milliseconds before the call starts: callers fall into the same window or into later ones. */
  readonly delay: number
}

const caller: fc.Arbitrary<Caller> = fc.record({
  kind: fc.constantFrom("create" as const, "get" as const),
  number: fc.constantFrom(...numbers),
  carrier: fc.constantFrom(...carriers),
  delay: fc.constantFrom(0, 0, 0, 1, 2, 5, 12)
})

/** Faults the simulator answers with, in order per endpoint; `truncated` is processed, then half answered. */
const fault = fc.constantFrom<Fault.ScriptedFault>("none", "503", "500", "429", "reset", "truncated", "html502", "empty")
const faults = fc.record({
  batch: fc.array(fault, { maxLength: 4 }),
  list: fc.array(fault, { maxLength: 4 }),
  create: fc.array(fault, { maxLength: 4 }),
  get: fc.array(fault, { maxLength: 4 })
})

const scenario = fc.record({
  callers: fc.array(caller, { minLength: 1, maxLength: 30 }),
  existing: fc.subarray(numbers.flatMap((number) => carriers.map((carrier) => ({ number, carrier })))),
  faults,
  maxBatchSize: fc.constantFrom(2, 3, 40)
})

// Short waits everywhere: the scripted 429s do not start the simulator's penalty.
const options = (maxBatchSize: number): Partial<TrackingMoreClient.ClientOptions> => ({
  rateLimits: {
    default: { limit: 1e9, window: "1 second" },
    realtime: { limit: 1e9, window: "1 second" },
    list: { limit: 1e9, window: "1 second" }
  },
  attemptTimeout: "10 seconds",
  policy: {
    tooManyRequests: { wait: "5 millis" },
    serviceUnavailable: { base: "1 millis", cap: "5 millis", maxRetries: 2 },
    serverError: { base: "1 millis", cap: "5 millis", maxRetries: 2 },
    notRegistered: { interval: "1 millis", maxRepolls: 1 }
  },
  batching: { window: "3 millis", maxBatchSize }
})

/** The account as the simulator holds it, read past any fault: tracking id by number and carrier. */
const account = async (): Promise<Map<string, string>> => {
  sim.setFaults({})
  const response = await fetch(`${sim.baseUrl}/trackings/get?limit=2000`, { headers })
  const body = (await response.json()) as {
    data: { items: ReadonlyArray<{ id: string; tracking_number: string; carrier_code: string }> }
  }
  return new Map(body.data.items.map((t) => [keyOf(t.tracking_number, t.carrier_code), t.id]))
}

describe("batching (property)", () => {
  it.live.prop(
    "for any interleaving of concurrent creates and gets, duplicates and faults, each caller gets its own tracking or a typed error, and nothing is created twice",
    [scenario],
    ([{ callers, existing, faults, maxBatchSize }]) =>
      Effect.gen(function*() {
        sim.reset()
        if (existing.length > 0) {
          yield* Effect.promise(() =>
            fetch(`${sim.baseUrl}/trackings/batch`, {
              method: "POST",
              headers,
              body: JSON.stringify(existing.map(({ carrier, number }) => ({ tracking_number: number, carrier_code: carrier })))
            })
          )
        }
        sim.setFaults({ scripted: faults })

        const results = yield* use(clientLayer(sim, apiKey, options(maxBatchSize)), (client) =>
          Effect.forEach(callers, ({ carrier, delay, kind, number }) =>
            Effect.either(
              Effect.zipRight(
                Effect.sleep(delay),
                kind === "create"
                  ? client.create({ trackingNumber: number, carrierCode: carrier })
                  : client.get(carrier, number)
              )
            ), { concurrency: "unbounded" }))

        const held = yield* Effect.promise(account)
        const wanted = new Set([
          ...existing.map(({ carrier, number }) => keyOf(number, carrier)),
          ...callers.filter((c) => c.kind === "create").map((c) => keyOf(c.number, c.carrier))
        ])
        for (const key of held.keys()) assert.isTrue(wanted.has(key), `${key} is in the account though nobody created it`)

        callers.forEach((c, i) => {
          const result = results[i]!
          const who = `caller ${i} (${c.kind} ${c.carrier} ${c.number})`
          if (Either.isLeft(result)) {
            assert.isTrue(TrackingMoreError.isTrackingMoreError(result.left), `${who}: a typed error`)
            return
          }
          const tracking = result.right
          assert.strictEqual(tracking.trackingNumber, c.number, `${who}: its own number`)
          assert.strictEqual(tracking.carrierCode, c.carrier, `${who}: its own carrier`)
          // The one tracking of that number and carrier in the account: the same for every caller of it.
          assert.strictEqual(tracking.id, held.get(keyOf(c.number, c.carrier)), `${who}: the account's tracking`)
        })

        // Without faults, every create succeeds and every get of a tracking that exists by then succeeds.
        const faultless = Object.values(faults).every((script) => script.every((f) => f === "none"))
        if (faultless) {
          callers.forEach((c, i) => {
            if (c.kind === "create") assert.isTrue(Either.isRight(results[i]!), `caller ${i}: created`)
          })
        }
      }),
    { fastCheck: { numRuns: 60 } }
  )
})
