import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"

/**
 * A virtual clock for single-fiber properties: `sleep` moves time forward at once. Unlike `TestClock`, which
 * waits (in real time) for fibers to suspend at each step, it lets a property run a thousand times in a blink.
 */
export const makeInstantClock = (start = 0) => {
  let now = start
  const clock: Clock.Clock = {
    [Clock.ClockTypeId]: Clock.ClockTypeId,
    unsafeCurrentTimeMillis: () => now,
    unsafeCurrentTimeNanos: () => BigInt(now) * 1_000_000n,
    currentTimeMillis: Effect.sync(() => now),
    currentTimeNanos: Effect.sync(() => BigInt(now) * 1_000_000n),
    sleep: (duration: Duration.Duration) =>
      Effect.sync(() => {
        now += Duration.toMillis(duration)
      })
  }
  return {
    clock,
    now: () => now,
    /** Move to `at` (never backwards). */
    advanceTo: (at: number) => {
      now = Math.max(now, at)
    }
  }
}

/** Run an effect synchronously on a fresh instant clock. */
export const runInstant = <A, E>(effect: (clock: ReturnType<typeof makeInstantClock>) => Effect.Effect<A, E>): A => {
  const clock = makeInstantClock()
  return Effect.runSync(Effect.withClock(effect(clock), clock.clock))
}
