import { assert, describe, it } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Either from "effect/Either"
import * as fc from "effect/FastCheck"
import * as Options from "../src/Options.js"
import * as Policy from "../src/Policy.js"

const leftOf = <A>(either: Either.Either<A, Options.InvalidOption>): Options.InvalidOption => {
  if (Either.isRight(either)) return assert.fail(`expected an InvalidOption, got ${String(either.right)}`)
  return either.left
}

const rightOf = <A>(either: Either.Either<A, Options.InvalidOption>): A => {
  if (Either.isLeft(either)) return assert.fail(`expected a value, got ${either.left.message}`)
  return either.right
}

describe("Options.duration", () => {
  it("accepts every documented form", () => {
    const ok = (input: unknown) => rightOf(Options.duration("d", input))
    assert.deepStrictEqual(ok("30 seconds"), Duration.seconds(30))
    assert.deepStrictEqual(ok("1.5 seconds"), Duration.millis(1500))
    assert.deepStrictEqual(ok("1 minute"), Duration.minutes(1))
    assert.deepStrictEqual(ok(250), Duration.millis(250))
    assert.deepStrictEqual(ok(Duration.hours(2)), Duration.hours(2))
    assert.isTrue(Duration.equals(ok([1, 500_000_000]), Duration.millis(1500)))
    assert.deepStrictEqual(ok(0), Duration.zero)
  })

  it("names the option and what was given for anything else", () => {
    for (const bad of ["garbage", "5 secs", "-1 seconds", "", -5, NaN, null, {}, true, [1], "Infinity"]) {
      const error = leftOf(Options.duration("attemptTimeout", bad))
      assert.strictEqual(error._tag, "InvalidOption")
      assert.strictEqual(error.option, "attemptTimeout")
      assert.match(error.message, /^attemptTimeout must be a duration/)
    }
    assert.include(leftOf(Options.duration("attemptTimeout", "garbage")).message, `got "garbage"`)
  })

  it("takes Infinity only where allowed, zero unless refused", () => {
    assert.match(leftOf(Options.duration("window", Infinity)).message, /^window must be finite/)
    assert.deepStrictEqual(rightOf(Options.duration("deadline", Infinity, { allowInfinite: true })), Duration.infinity)
    assert.match(leftOf(Options.duration("window", "0 millis", { allowZero: false })).message, /longer than zero/)
  })

  it("never throws, for any value", () =>
    fc.assert(fc.property(fc.anything(), (value) => {
      const result = Options.duration("d", value)
      return Either.isRight(result) ? Duration.isDuration(result.right) : result.left.option === "d"
    })))
})

describe("Options.integer and knownKeys", () => {
  it("checks whole numbers in range", () => {
    assert.strictEqual(rightOf(Options.integer("batchSize", 40, { min: 1, max: 40 })), 40)
    for (const bad of [0, 41, NaN, 1.5, "10", undefined, Infinity]) {
      const error = leftOf(Options.integer("batchSize", bad, { min: 1, max: 40 }))
      assert.strictEqual(error.option, "batchSize")
      assert.match(error.message, /^batchSize must be a whole number from 1 to 40, got /)
    }
  })

  it("names an unknown option with its path", () => {
    const error = leftOf(Options.knownKeys("rateLimits", { defualt: 1 }, ["default", "list"]))
    assert.strictEqual(error.option, "rateLimits.defualt")
    assert.match(error.message, /is not an option \(known: default, list\)/)
    assert.match(leftOf(Options.knownKeys("rateLimits", 5, ["default"])).message, /^rateLimits must be an object, got 5/)
  })
})

describe("Policy.validate", () => {
  it("builds the same config as Policy.config for valid overrides", () => {
    const options = {
      serviceUnavailable: { base: "2 seconds", maxRetries: 10 },
      tooManyRequests: { wait: "3 minutes" },
      authHalt: null,
      billingHalt: "1 hour",
      deadline: Infinity
    } as const
    assert.deepStrictEqual(rightOf(Policy.validate(options)), Policy.config(options))
    assert.deepStrictEqual(rightOf(Policy.validate(undefined)), Policy.defaults)
  })

  it("names the first field that cannot work, with the caller's prefix", () => {
    const field = (options: unknown) => leftOf(Policy.validate(options, "policy.")).option
    assert.strictEqual(field({ serviceUnavailable: { base: "soon" } }), "policy.serviceUnavailable.base")
    assert.strictEqual(field({ serverError: { maxRetries: -1 } }), "policy.serverError.maxRetries")
    assert.strictEqual(field({ notRegistered: { interval: NaN } }), "policy.notRegistered.interval")
    assert.strictEqual(field({ tooManyRequests: { wiat: "2 minutes" } }), "policy.tooManyRequests.wiat")
    assert.strictEqual(field({ deadlne: "1 minute" }), "policy.deadlne")
    assert.strictEqual(field({ deadline: "garbage" }), "policy.deadline")
    assert.strictEqual(field("fast"), "policy")
    assert.strictEqual(leftOf(Policy.validate({ deadline: "x" })).option, "deadline")
  })
})
