import { assert, describe, it } from "@effect/vitest"
import { Simulator } from "@trackingmore-effect/simulator"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Responses from "../src/Responses.js"
import { clientLayer, use } from "./utils/sim.js"

// Several callers on one key meet a 429 penalty while requests of theirs are still on the way: the simulator holds
// the first three ("slow": answered, and processed, `slowMs` later, inside the penalty) and answers the fourth with
// a 429 that starts the penalty. The three come back 429 long after the cooldown began: echoes of the same penalty.

/**
 * Real seconds per simulated second: twice the other end-to-end tests' scale, so that a busy machine's late timers
 * weigh half as much in simulated time.
 */
const timeScale = 0.02
/** Real ms the held requests take: 100 simulated seconds, inside the 120-second penalty with room for late timers. */
const slowMs = 100_000 * timeScale
const penaltyMs = 120_000
const callers = 6
const script = { userInfo: ["slow", "slow", "slow", "429-penalty"] as Array<"slow" | "429-penalty"> }

const start = (extendPenalty: boolean) =>
  Effect.acquireRelease(
    Effect.promise(() =>
      Simulator.startServer({ timeScale, rateLimits: { extendPenalty }, faults: { scripted: script, slowMs } })
    ),
    (sim) => Effect.promise(() => sim.close())
  )

// The held requests outlive the scaled attempt timeout (30 simulated seconds): they must be answered, not abandoned.
const layer = (sim: Simulator.SimulatorServer) =>
  clientLayer(sim, "sim-key-1", { attemptTimeout: Duration.seconds(10) }, timeScale)

/** Every caller at once; each gets the account's answer. */
const together = <E>(call: Effect.Effect<Responses.UserInfo, E>) =>
  Effect.map(
    Effect.all(Array.from({ length: callers }, () => call), { concurrency: "unbounded" }),
    (answers) => answers.map((answer) => answer.email)
  )
const everyCaller = Array.from({ length: callers }, () => "simulator@example.com")

/** How late, in simulated ms, the first request after `since` that was answered 200 arrived after `end`. */
const resumedAfter = (log: ReadonlyArray<Simulator.LogEntry>, since: number, end: number): number => {
  const resumed = log.find((entry) => entry.code === 200 && entry.simulatedAt > since)
  assert.isDefined(resumed, "the key was used again")
  return resumed!.simulatedAt - end
}

describe("one cooldown per penalty, against the simulator", () => {
  it.live("penalties not extended: the echoes leave the cooldown alone and the key resumes when the penalty ends", () =>
    Effect.gen(function*() {
      const sim = yield* start(false)
      assert.deepStrictEqual(yield* use(layer(sim), (client) => together(client.userInfo)), everyCaller)

      const log = sim.log()
      const penalty = log.find((entry) => entry.fault === "429-penalty")!
      const end = penalty.simulatedAt + penaltyMs
      // the held requests were answered 429 well after the cooldown began
      assert.strictEqual(log.filter((entry) => entry.fault === "slow" && entry.code === 429).length, 3)
      // nothing was sent into the penalty after the cooldown began, and no probe met a 429
      assert.deepStrictEqual(log.filter((entry) => entry.code === 429 && entry.simulatedAt >= end), [])
      // resumed on time: an echo that pushed the cooldown would have cost about 100 simulated seconds
      const late = resumedAfter(log, penalty.simulatedAt, end)
      assert.isAtLeast(late, 0)
      assert.isBelow(late, 50_000)
    }).pipe(Effect.scoped), 30_000)

  it.live("penalties extended by the echoes: one extra probe teaches the gate, every call completes, and the next penalty costs no probe", () =>
    Effect.gen(function*() {
      const sim = yield* start(true)
      yield* use(layer(sim), (client) =>
        Effect.gen(function*() {
          assert.deepStrictEqual(yield* together(client.userInfo), everyCaller)

          const log = sim.log()
          const penalty = log.find((entry) => entry.fault === "429-penalty")!
          // the server kept the key past the first penalty's end: the probe met a 429, only one
          const probes = log.filter((entry) => entry.code === 429 && entry.simulatedAt >= penalty.simulatedAt + penaltyMs)
          assert.strictEqual(probes.length, 1)
          // its 429 restarted the penalty: the key resumed when that one ended
          const late = resumedAfter(log, probes[0]!.simulatedAt, probes[0]!.simulatedAt + penaltyMs)
          assert.isAtLeast(late, 0)
          assert.isBelow(late, 50_000)

          // The same again: the gate now lets the echoes push the cooldown, so no probe meets a 429.
          sim.setFaults({ scripted: script, slowMs })
          const before = log.length
          assert.deepStrictEqual(yield* together(client.userInfo), everyCaller)
          const again = sim.log().slice(before)
          const penalty2 = again.find((entry) => entry.fault === "429-penalty")!
          const echoes = again.filter((entry) => entry.fault === "slow")
          assert.strictEqual(echoes.length, 3)
          // the echoes were processed when they were answered, a hundred simulated seconds after they arrived
          const lastEcho = Math.max(...echoes.map((entry) => entry.simulatedAt)) + slowMs / timeScale
          assert.deepStrictEqual(
            again.filter((entry) => entry.code === 429 && entry.simulatedAt >= penalty2.simulatedAt + penaltyMs),
            []
          )
          assert.isAtLeast(resumedAfter(again, penalty2.simulatedAt, lastEcho + penaltyMs), 0)
        }))
    }).pipe(Effect.scoped), 60_000)
})
