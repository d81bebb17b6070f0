import { describe, expect, it } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as fc from "effect/FastCheck"
import * as Option from "effect/Option"
import * as Backend from "../src/Backend.js"
import * as Durations from "../src/Durations.js"

const millis = (text: string) => Option.map(Durations.parse(text), Duration.toMillis)

describe("Durations.parse", () => {
  it("accepts every example the help shows, long and short", () => {
    expect(Durations.examples.map(millis)).toEqual([
      Option.some(60_000),
      Option.some(300_000),
      Option.some(21_600_000),
      Option.some(90_000),
      Option.some(300_000),
      Option.some(5_400_000)
    ])
    expect(Durations.examplesText).toBe("\"60 seconds\", \"5 minutes\", \"6 hours\", \"90s\", \"5m\", \"1h30m\"")
  })

  it("accepts the defaults as the help prints them", () => {
    for (const embedded of [true, false]) {
      const { pollDeadline, pollInterval } = Backend.defaultDurations(embedded)
      for (const duration of [pollInterval, pollDeadline]) {
        expect(Durations.parse(Duration.format(duration))).toEqual(Option.some(duration))
      }
    }
  })

  it("accepts singular units, other spellings, case and spaces", () => {
    expect(millis(" 1 Minute ")).toEqual(Option.some(60_000))
    expect(millis("1 hour 30 minutes")).toEqual(Option.some(5_400_000))
    expect(millis("1.5 hours")).toEqual(Option.some(5_400_000))
    expect(millis("500ms")).toEqual(Option.some(500))
    expect(millis("2 days")).toEqual(Option.some(172_800_000))
  })

  it("refuses what is not a duration of more than zero", () => {
    for (const text of ["", "garbage", "5", "minutes", "5 parsecs", "0 seconds", "-5 minutes", "5 minutes ago", "1e3s"]) {
      expect(Durations.parse(text)).toEqual(Option.none())
    }
  })

  it.prop("reads back whatever Duration.format prints", [fc.integer({ min: 1, max: 10 * 365 * 86_400_000 })], ([ms]) => {
    expect(Durations.parse(Duration.format(Duration.millis(ms)))).toEqual(Option.some(Duration.millis(ms)))
  })
})

describe("Backend.toRealTime", () => {
  it("turns the backend's time into the real time the client waits: simulated when embedded, as is otherwise", () => {
    expect(Duration.toMillis(Backend.toRealTime("60 seconds", Backend.embeddedTimeScale))).toBe(120)
    expect(Duration.toMillis(Backend.toRealTime(Duration.hours(4), Backend.embeddedTimeScale))).toBe(28_800)
    expect(Duration.toMillis(Backend.toRealTime("5 minutes", 1))).toBe(300_000)
  })
})
