/**
 * The rounds of `pollUntilFinal` against a model of the list endpoint (test/utils/listModel.ts): trackings the
 * caller follows change status on random schedules, other trackings change around them, the model lists them in
 * one of the orders an API may use, with update times in one zone or another, and answers each call some
 * hundred milliseconds to a second and a half later.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as fc from "effect/FastCheck"
import * as internalPoll from "../src/internal/poll.js"
import { isFinalStatus } from "../src/Tracking.js"
import { collect, type Format, type Model, type Order, pad, server } from "./utils/listModel.js"

const allStatuses = ["pending", "notfound", "transit", "pickup", "delivered", "undelivered", "exception", "expired"]

/** Gaps between the statuses of a shipment the caller follows: longer than the longest wait (6 min) plus two rounds. */
const gap = 1_000_000

/**
 * Times cluster, as shipments created together change together: a start from a few moments, gaps of the same
 * length give or take a minute. Rounds then meet many changes at once, and pages that take longer than the
 * overlap.
 */
const moment = fc.tuple(fc.constantFrom(-5_000_000, 0, 700_000, 2_500_000), fc.integer({ min: 0, max: 10_000 }))
  .map(([at, jitter]) => at + jitter)

const followed = fc.record({
  initial: fc.constantFrom(...allStatuses),
  createdAt: moment,
  gaps: fc.array(fc.integer({ min: gap, max: gap + 10_000 }), { maxLength: 5 }),
  next: fc.array(fc.constantFrom(...allStatuses), { minLength: 5, maxLength: 5 }),
  bumps: fc.array(fc.integer({ min: 0, max: 8_000_000 }), { maxLength: 3 }),
  carrier: fc.constantFrom("dhl", "ups", "usps"),
  asked: fc.constantFrom("exact", "upper", "any", "twice")
})

/** A tracking nobody asked for, changing at any moment, or with the followed ones (churn in the changed set). */
const other = fc.record({
  createdAt: moment,
  changes: fc.array(
    fc.tuple(
      fc.oneof(
        fc.integer({ min: 0, max: 8_000_000 }),
        fc.tuple(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 0, max: 10_000 })).map(([k, j]) => k * gap + j)
      ),
      fc.constantFrom(...allStatuses)
    ),
    { maxLength: 6 }
  )
})

describe("pollUntilFinal rounds (model of the list endpoint)", () => {
  it.effect.prop(
    "every status a followed shipment holds is emitted, in order, once, until it is final; nothing else is emitted",
    [
      fc.array(followed, { maxLength: 90, size: "max" }),
      fc.array(other, { maxLength: 60, size: "max" }),
      fc.integer({ min: 0, max: 3 }),
      fc.record({
        order: fc.constantFrom<Order>("created-asc", "created-desc", "updated-asc", "updated-desc"),
        format: fc.constantFrom<Format>("utc", "plus8", "millis"),
        pageSize: fc.integer({ min: 1, max: 8 }),
        cap: fc.integer({ min: 1, max: 10 }),
        interval: fc.integer({ min: 5, max: 60 }),
        factor: fc.integer({ min: 1, max: 6 }),
        overlap: fc.integer({ min: 0, max: 3 }),
        latency: fc.integer({ min: 100, max: 1500 })
      })
    ],
    ([shipments, others, missing, setup]) =>
      Effect.gen(function*() {
        const models: Array<Model> = shipments.map((s, i) => {
          const createdAt = s.createdAt
          // No status changes before the poll starts: what it first sees is the status at creation.
          let at = Math.max(createdAt, 0)
          const statuses: Array<readonly [number, string]> = [[createdAt, s.initial]]
          s.gaps.forEach((g, j) => {
            at += g
            statuses.push([at, s.next[j]!])
          })
          return {
            number: `F${pad(i, 5)}`,
            carrier: s.carrier,
            createdAt,
            statuses,
            bumps: s.bumps.map((b) => Math.max(b, createdAt))
          }
        })
        const churn: Array<Model> = others.map((o, i) => ({
          number: `O${pad(i, 5)}`,
          carrier: "dhl",
          createdAt: o.createdAt,
          statuses: [
            [o.createdAt, "transit"] as const,
            ...o.changes.map(([d, s]) => [o.createdAt + d, s] as const).sort((a, b) => a[0] - b[0])
          ],
          bumps: []
        }))
        const asked = shipments.flatMap((s, i): Array<internalPoll.Shipment> => {
          const number = models[i]!.number
          switch (s.asked) {
            case "exact":
              return [{ trackingNumber: number, carrierCode: s.carrier }]
            case "upper":
              return [{ trackingNumber: number, carrierCode: s.carrier.toUpperCase() }]
            case "any":
              return [{ trackingNumber: number }]
            default: // twice: with its carrier and with any
              return [{ trackingNumber: number, carrierCode: s.carrier }, { trackingNumber: number }]
          }
        })
        for (let i = 0; i < missing; i++) asked.push({ trackingNumber: `MISSING${i}`, carrierCode: "dhl" })
        const lastChange = Math.max(0, ...models.flatMap((m) => [...m.statuses.map(([at]) => at), ...m.bumps]))
        const deadline = lastChange + 2_000_000
        const config = Either.getOrThrow(
          internalPoll.resolve({
            interval: Duration.seconds(setup.interval),
            maxInterval: Duration.seconds(setup.interval * setup.factor),
            overlap: Duration.seconds(setup.overlap),
            deadline: Duration.millis(deadline)
          })
        )
        const api = server([...models, ...churn], setup.order, setup.format, setup.cap, setup.latency)
        const emitted = yield* collect(
          internalPoll.pollUntilFinal(api.list, asked, { ...config, pageSize: setup.pageSize })
        )

        const byNumber = new Map<string, Array<string>>()
        for (const tracking of emitted) {
          const model = models.find((m) => m.number === tracking.trackingNumber)
          assert.isDefined(model, `emitted ${tracking.trackingNumber}, which nobody asked for`)
          assert.strictEqual(tracking.carrierCode, model!.carrier)
          byNumber.set(tracking.trackingNumber, [...(byNumber.get(tracking.trackingNumber) ?? []), tracking.status!])
        }
        for (const model of models) {
          // The statuses from creation (or the poll's start), each once in a row, up to the first final one.
          const expected: Array<string> = []
          for (const [, status] of model.statuses) {
            if (expected.at(-1) !== status) expected.push(status)
            if (isFinalStatus(status)) break
          }
          assert.deepStrictEqual(byNumber.get(model.number) ?? [], expected, `${model.number} in ${JSON.stringify(setup)}`)
        }
        // The stream ends once everything asked for is final, else at the deadline.
        const ended = api.calls.at(-1)?.at ?? 0
        const finals = models.map((m) => m.statuses.find(([, status]) => isFinalStatus(status))?.[0])
        if (missing === 0 && finals.every((at) => at !== undefined)) {
          assert.isAtMost(ended, Math.max(0, ...finals.map((at) => at!)) + gap)
        } else {
          assert.isAtLeast(ended, deadline - setup.interval * 1000)
          assert.isAtMost(ended, deadline + gap)
        }
      }),
    { timeout: 180_000, fastCheck: { numRuns: 100 } }
  )
})
