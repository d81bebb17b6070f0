import { assert, describe, it } from "@effect/vitest"
import * as Policy from "@trackingmore-effect/core/Policy"
import * as Duration from "effect/Duration"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Simulator from "../src/Simulator.js"

const millis = (input: Duration.DurationInput | null | undefined): number | null | undefined =>
  input === null || input === undefined ? input : Duration.toMillis(Duration.decode(input))

describe("Simulator.clientOptions", () => {
  it("at a hundredth: every default of the policy, the rate windows and the deadline a hundredth as long", () => {
    const options = Simulator.clientOptions(0.01)
    const policy = options.policy
    assert.deepStrictEqual(
      {
        tooManyRequests: millis(policy.tooManyRequests?.wait),
        serviceUnavailable: [millis(policy.serviceUnavailable?.base), millis(policy.serviceUnavailable?.cap)],
        serverError: [millis(policy.serverError?.base), millis(policy.serverError?.cap)],
        notRegistered: millis(policy.notRegistered?.interval),
        authHalt: millis(policy.authHalt),
        billingHalt: millis(policy.billingHalt),
        deadline: millis(policy.deadline)
      },
      {
        tooManyRequests: 1200,
        serviceUnavailable: [10, 300],
        serverError: [5, 100],
        notRegistered: 20,
        authHalt: null, // until reset, as by default
        billingHalt: 6000,
        deadline: 6000
      }
    )
    assert.deepStrictEqual(
      Object.fromEntries(Object.entries(options.rateLimits).map(([group, r]) => [group, [r.limit, millis(r.window)]])),
      { default: [1, 10], realtime: [3, 10], list: [1, 10] }
    )
    assert.strictEqual(millis(options.attemptTimeout), 500)
  })

  it("the attempt timeout is 30 simulated seconds, never under half a real second", () => {
    assert.strictEqual(millis(Simulator.clientOptions(0.1).attemptTimeout), 3000)
    assert.strictEqual(millis(Simulator.clientOptions(0.002).attemptTimeout), 500)
    assert.strictEqual(millis(Simulator.clientOptions(1).attemptTimeout), 30_000)
  })

  it("at scale 1 (or a scale that is not positive, as for the simulator) the policy is core's defaults", () => {
    for (const scale of [1, 0, -1]) {
      const checked = Policy.validate(Simulator.clientOptions(scale).policy)
      assert.deepStrictEqual(checked, Either.right(Policy.defaults))
    }
  })

  it("core's policy check accepts it at any scale", () => {
    for (const scale of [0.00005, 0.002, 0.01, 0.1, 10]) {
      assert.deepStrictEqual(Either.getLeft(Policy.validate(Simulator.clientOptions(scale).policy)), Option.none())
    }
  })
})
