/**
 * `createMany`'s overall deadline on the TestClock, at the real limit of 1 request per second: waiting for one's
 * turn is not a failure, and what the deadline leaves unsent comes back `NotSent`, ready to be sent again.
 */
import { assert, describe, it } from "@effect/vitest"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as fc from "effect/FastCheck"
import * as CreateOutcome from "../src/CreateOutcome.js"
import type * as Requests from "../src/Requests.js"
import * as TrackingMoreClient from "../src/TrackingMoreClient.js"
import { clientLayer, createMany, server } from "./utils/scripted.js"

/** `n` new trackings, each with an `orderId` the scripted server records on receipt. */
const fresh = (n: number, prefix = "RR"): ReadonlyArray<Requests.CreateTracking> =>
  Array.from({ length: n }, (_, i) => ({
    trackingNumber: `${prefix}${String(i).padStart(6, "0")}`,
    carrierCode: "dhl",
    orderId: `${prefix}-${i}`
  }))

describe("createMany with a deadline", () => {
  it.effect.prop(
    "a deadline shorter than the queue: the chunks sent in time are Created, the rest NotSent, nothing lost or TooManyRequests, and the rest goes through when sent again",
    [fc.integer({ min: 81, max: 400 }), fc.integer({ min: 1, max: 8 })],
    ([n, seconds]) =>
      Effect.gen(function*() {
        const chunks = Math.ceil(n / 40)
        fc.pre(seconds + 1 < chunks)
        const http = server([])
        const items = fresh(n)
        const outcomes = yield* createMany(http.layer, 40, items, { rate: "1/s", deadline: seconds })

        assert.strictEqual(outcomes.length, n)
        outcomes.forEach((outcome, i) => assert.strictEqual(outcome.input, items[i]))
        // At 1 request/s the first chunk goes at once and one more about each second (the limiter may keep a
        // margin), until the deadline: whole chunks, in order, at least one and no more than the seconds allow.
        const sent = 40 * http.requests()
        assert.isAtLeast(http.requests(), 1)
        assert.isAtMost(http.requests(), seconds + 1)
        assert.deepStrictEqual(CreateOutcome.summarize(outcomes), {
          created: sent,
          existed: 0,
          failed: 0,
          notSent: n - sent
        })
        assert.isTrue(outcomes.slice(0, sent).every(CreateOutcome.isCreated), "the chunks sent first are the ones Created")
        for (const outcome of outcomes.filter(CreateOutcome.isNotSent)) {
          assert.isFalse(http.received(outcome.input.orderId!), "a NotSent item never reached the server")
          assert.strictEqual(outcome.reason._tag, "DeadlineExceeded")
          assert.strictEqual(outcome.reason.code, 0)
        }

        // What was not sent can simply be sent again: all of it is created, none of it existed.
        const again = outcomes.filter(CreateOutcome.isNotSent).map((outcome) => outcome.input)
        const second = yield* createMany(http.layer, 40, again, { rate: "1/s", deadline: undefined })
        assert.deepStrictEqual(CreateOutcome.summarize(second), { created: n - sent, existed: 0, failed: 0, notSent: 0 })
      }),
    { fastCheck: { numRuns: 25 } }
  )

  it.effect("a deadline of zero sends nothing: every valid item NotSent, an invalid one still Failed", () =>
    Effect.gen(function*() {
      const http = server([])
      const items = [...fresh(3), { trackingNumber: "", carrierCode: "dhl" }]
      const outcomes = yield* createMany(http.layer, 40, items, { rate: "1/s", deadline: 0 })
      assert.deepStrictEqual(outcomes.map((o) => o._tag), ["NotSent", "NotSent", "NotSent", "Failed"])
      assert.strictEqual(http.requests(), 0)
    }))

  it.effect("without a deadline, a queue far longer than the policy's per-call deadline completes", () =>
    Effect.gen(function*() {
      // 400 items are 10 chunks, 9 s apart at 1 request/s; each call alone may last 3 s under the policy.
      const items = fresh(400)
      const outcomes = yield* createMany(server([]).layer, 40, items, { rate: "1/s", deadline: undefined }, {
        deadline: "3 seconds"
      })
      assert.deepStrictEqual(CreateOutcome.summarize(outcomes), { created: 400, existed: 0, failed: 0, notSent: 0 })
    }))

  it.effect("without a deadline, a cooldown far longer than the policy's per-call deadline is waited out", () =>
    Effect.gen(function*() {
      // The first chunk is answered 429: the key cools for a minute while the other chunks queue at the gate.
      // Under the per-call deadline of 10 s they would all have failed (the fleet's lost 800 items).
      const items = fresh(200)
      const http = server([{ _tag: "Status", status: 429, body: "envelope", applied: false }])
      const outcomes = yield* createMany(http.layer, 40, items, { rate: "1/s", deadline: undefined }, {
        deadline: "10 seconds",
        tooManyRequests: { wait: "1 minute", maxCooldowns: 2 }
      })
      assert.deepStrictEqual(CreateOutcome.summarize(outcomes), { created: 200, existed: 0, failed: 0, notSent: 0 })
    }))

  it.effect("a deadline inside a cooldown: the chunk answered 429 stays Failed, the ones queued behind it are NotSent", () =>
    Effect.gen(function*() {
      const items = fresh(120)
      const http = server([{ _tag: "Status", status: 429, body: "envelope", applied: false }])
      const outcomes = yield* createMany(http.layer, 40, items, { rate: "1/s", deadline: 30 }, {
        tooManyRequests: { wait: "1 minute", maxCooldowns: 2 }
      })
      // The first chunk was sent and answered 429; the second chunk was waiting for its token when the 429 came.
      const tags = outcomes.map((outcome) => outcome._tag === "Failed" ? `Failed:${outcome.error._tag}` : outcome._tag)
      assert.deepStrictEqual([...new Set(tags.slice(0, 40))], ["Failed:TooManyRequests"])
      assert.deepStrictEqual([...new Set(tags.slice(40))], ["NotSent"])
      const reasons = outcomes.filter(CreateOutcome.isNotSent).map((outcome) => outcome.reason.waitingFor)
      assert.isTrue(reasons.every((waitingFor) => waitingFor === "cooldown"), `waiting for: ${[...new Set(reasons)]}`)
      assert.strictEqual(http.requests(), 1)
    }))

  it.effect("a deadline that is not a duration is refused before anything is sent", () =>
    Effect.gen(function*() {
      const http = server([])
      const client = yield* TrackingMoreClient.TrackingMoreClient.pipe(Effect.provide(clientLayer(http.layer, 40)))
      for (const deadline of ["soon", -1, Number.NaN, "5 fortnights"]) {
        const error = yield* client.createMany(fresh(3), { deadline: deadline as Duration.DurationInput }).pipe(
          Effect.flip
        )
        assert.strictEqual(error._tag, "InvalidRequest")
        assert.include(error.message, "deadline must be a duration")
      }
      assert.strictEqual(http.requests(), 0)
    }))
})
