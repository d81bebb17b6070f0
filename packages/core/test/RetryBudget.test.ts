import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as fc from "effect/FastCheck"
import * as RetryBudget from "../src/RetryBudget.js"

describe("RetryBudget", () => {
  it.effect("500 tokens, a retry costs 5, after a timeout 10, a success refunds 1", () =>
    Effect.gen(function*() {
      const budget = yield* RetryBudget.makeMemory()
      assert.strictEqual(yield* budget.available("k"), 500)
      assert.isTrue(yield* budget.withdraw("k", "retry"))
      assert.isTrue(yield* budget.withdraw("k", "timeout"))
      assert.strictEqual(yield* budget.available("k"), 485)
      yield* budget.deposit("k")
      assert.strictEqual(yield* budget.available("k"), 486)
      assert.strictEqual(yield* budget.available("other"), 500, "per key")
    }))

  it.effect("an empty budget refuses and takes nothing", () =>
    Effect.gen(function*() {
      const budget = yield* RetryBudget.makeMemory({ capacity: 7 })
      assert.isTrue(yield* budget.withdraw("k", "retry"))
      assert.isFalse(yield* budget.withdraw("k", "retry"))
      assert.strictEqual(yield* budget.available("k"), 2)
    }))

  it.prop("never goes negative nor above capacity", [
    fc.integer({ min: 0, max: 100 }),
    fc.array(fc.constantFrom("retry", "timeout", "success") as fc.Arbitrary<"retry" | "timeout" | "success">, { maxLength: 200 })
  ], ([capacity, operations]) =>
    Effect.runSync(Effect.gen(function*() {
      const budget = yield* RetryBudget.makeMemory({ capacity })
      for (const operation of operations) {
        const before = yield* budget.available("k")
        if (operation === "success") {
          yield* budget.deposit("k")
        } else {
          const granted = yield* budget.withdraw("k", operation)
          const cost = operation === "timeout" ? 10 : 5
          assert.strictEqual(granted, before >= cost)
        }
        const after = yield* budget.available("k")
        assert.isAtLeast(after, 0)
        assert.isAtMost(after, capacity)
      }
    })), { fastCheck: { numRuns: 1000 } })
})
