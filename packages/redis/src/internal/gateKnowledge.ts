/**
 * What one process knows of its keys' gates: every cooldown and halt it set, or read from Redis, until its end, and
 * whether a key's server was seen to extend penalties. It holds even when Redis later answers without it (a restart
 * or failover that came back empty, a FLUSHALL): the scripts put it back (`restoreArgs`, `extensionArgs`). An
 * in-process gate (core's `Gate.makeMemory`) mirrors it, for the calls made while Redis does not answer.
 *
 * Instants are on the process's clock, except `redisUntil`; `learnedAt` is when a thing was last set or read, to
 * compare with a reset's marker (a reset in any process drops what was learned before it).
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Gate from "@trackingmore-effect/core/Gate"
import type * as TrackingMoreError from "@trackingmore-effect/core/TrackingMoreError"
import { encodeJson, parseHalt } from "./gateCodec.js"

export interface KnownCooldown {
  readonly until: number
  /** The end in Redis ms, when Redis told it (undefined when it was set while Redis was away). */
  readonly redisUntil: number | undefined
  readonly learnedAt: number
}

export interface KnownHalt {
  readonly error: TrackingMoreError.TrackingMoreError
  readonly errorJson: string
  /** The end of a halt with a duration; undefined for a halt until reset. */
  readonly until: number | undefined
  /** Until when Redis keeps it: its end, or the until-reset TTL. */
  readonly keptUntil: number
  readonly learnedAt: number
}

/** The key's server extends a penalty for the requests that arrive during it (a probe found it so). */
export interface KnownExtension {
  /** Until when Redis keeps it (the until-reset TTL after it was last learned). */
  readonly keptUntil: number
  readonly learnedAt: number
}

interface Known {
  cooldown: KnownCooldown | undefined
  halt: KnownHalt | undefined
  extension: KnownExtension | undefined
}

/** Bits of a script's `forget`: what was reset since the process learned it. */
const forgetCooldown = 1
const forgetHalt = 2
const forgetExtension = 4

export interface Knowledge {
  /** The in-process gate that mirrors what is known, for the calls made while Redis does not answer. */
  readonly local: Gate.Service
  /** ARGV 1–8 of the scripts that put back what Redis has forgotten (see `restore` in internal/scripts). */
  readonly restoreArgs: (key: string, now: number) => Array<string | number>
  /**
   * ARGV 11–12 of `gateCooldown`: ms since the process learned that the key's server extends penalties ("" when it
   * does not know so), and how long Redis keeps that once it is learned (the until-reset TTL).
   */
  readonly extensionArgs: (key: string, now: number) => [string, string]
  /**
   * After Redis answered a script that was given `restoreArgs(key, now)`: drop what was reset since this process
   * learned it (the `forget` bits) and what has ended.
   */
  readonly reconcile: (key: string, forget: number, now: number) => Effect.Effect<void>
  readonly cooldown: (key: string) => KnownCooldown | undefined
  /** Whether the key's server is known to extend penalties. */
  readonly extending: (key: string, now: number) => boolean
  /** Replaces the known cooldown: a script that answered has already taken the later of the two. */
  readonly learnCooldown: (key: string, cooldown: KnownCooldown) => Effect.Effect<void>
  readonly learnHalt: (key: string, halt: KnownHalt, now: number) => Effect.Effect<void>
  /** A halt as Redis stores it (its end in Redis ms), learned on this process's clock. */
  readonly learnHaltFromRedis: (
    key: string,
    json: string,
    redisNow: number,
    pttl: number,
    now: number
  ) => Effect.Effect<{ readonly error: TrackingMoreError.TrackingMoreError; readonly until: number | undefined }>
  readonly learnExtension: (key: string, now: number) => void
  /** Forget everything about the key (a reset). */
  readonly forget: (key: string) => Effect.Effect<void>
}

export const make = (options: {
  readonly marginMillis: number
  readonly untilResetTtlMillis: number
}): Effect.Effect<Knowledge> =>
  Effect.map(Gate.makeMemory, (local) => {
    const known = new Map<string, Known>()

    const entryOf = (key: string): Known => {
      let entry = known.get(key)
      if (entry === undefined) {
        entry = { cooldown: undefined, halt: undefined, extension: undefined }
        known.set(key, entry)
      }
      return entry
    }

    const restoreArgs = (key: string, now: number): Array<string | number> => {
      const entry = known.get(key)
      const cooldown = entry?.cooldown !== undefined && entry.cooldown.until > now ? entry.cooldown : undefined
      const halt = entry?.halt !== undefined && entry.halt.keptUntil > now ? entry.halt : undefined
      return [
        options.marginMillis,
        cooldown === undefined ? "" : cooldown.until - now,
        cooldown?.redisUntil === undefined ? "" : cooldown.redisUntil.toFixed(3),
        cooldown === undefined ? "" : now - cooldown.learnedAt,
        halt === undefined ? "" : halt.errorJson,
        halt?.until === undefined ? "" : halt.until - now,
        halt === undefined ? "" : halt.keptUntil - now,
        halt === undefined ? "" : now - halt.learnedAt
      ]
    }

    const extensionOf = (key: string, now: number): KnownExtension | undefined => {
      const extension = known.get(key)?.extension
      return extension !== undefined && extension.keptUntil > now ? extension : undefined
    }

    // The in-memory gate cannot drop a cooldown or a halt alone: it starts again from what is still known.
    const rebuildLocal = (key: string, now: number) =>
      Effect.gen(function*() {
        yield* local.reset(key)
        const entry = known.get(key)
        if (entry?.cooldown !== undefined) yield* local.cooldown(key, entry.cooldown.until)
        if (entry?.halt !== undefined) {
          const until = entry.halt.until
          yield* local.halt(key, entry.halt.error, until === undefined ? undefined : Duration.millis(Math.max(0, until - now)))
        }
      })

    const reconcile = (key: string, forget: number, now: number) =>
      Effect.suspend(() => {
        const entry = known.get(key)
        if (entry === undefined) return Effect.void
        let dropped = false
        if (entry.cooldown !== undefined && (forget & forgetCooldown) !== 0) {
          entry.cooldown = undefined
          dropped = true
        } else if (entry.cooldown !== undefined && entry.cooldown.until <= now) {
          entry.cooldown = undefined
        }
        if (entry.halt !== undefined && (forget & forgetHalt) !== 0) {
          entry.halt = undefined
          dropped = true
        } else if (entry.halt !== undefined && entry.halt.keptUntil <= now) {
          // A halt until reset that Redis let expire: the in-memory gate would hold it for ever.
          dropped = dropped || entry.halt.until === undefined
          entry.halt = undefined
        }
        if (entry.extension !== undefined && ((forget & forgetExtension) !== 0 || entry.extension.keptUntil <= now)) {
          entry.extension = undefined
        }
        if (entry.cooldown === undefined && entry.halt === undefined && entry.extension === undefined) known.delete(key)
        return dropped ? rebuildLocal(key, now) : Effect.void
      })

    const learnHalt = (key: string, halt: KnownHalt, now: number) =>
      Effect.suspend(() => {
        entryOf(key).halt = halt
        return local.halt(
          key,
          halt.error,
          halt.until === undefined ? undefined : Duration.millis(Math.max(0, halt.until - now))
        )
      })

    return {
      local,
      restoreArgs,
      extensionArgs: (key, now) => {
        const extension = extensionOf(key, now)
        return [extension === undefined ? "" : (now - extension.learnedAt).toFixed(3), String(options.untilResetTtlMillis)]
      },
      reconcile,
      cooldown: (key) => known.get(key)?.cooldown,
      extending: (key, now) => extensionOf(key, now) !== undefined,
      learnCooldown: (key, cooldown) =>
        Effect.suspend(() => {
          entryOf(key).cooldown = cooldown
          return local.cooldown(key, cooldown.until)
        }),
      learnHalt,
      learnHaltFromRedis: (key, json, redisNow, pttl, now) =>
        Effect.gen(function*() {
          const { error, until } = yield* parseHalt(json)
          const errorJson = yield* encodeJson(error)
          const localUntil = until === undefined ? undefined : now + Math.ceil(until - redisNow)
          yield* learnHalt(key, {
            error,
            errorJson,
            until: localUntil,
            keptUntil: localUntil ?? now + Math.max(0, pttl),
            learnedAt: now
          }, now)
          return { error, until: localUntil }
        }),
      learnExtension: (key, now) => {
        entryOf(key).extension = { learnedAt: now, keptUntil: now + options.untilResetTtlMillis }
      },
      forget: (key) =>
        Effect.suspend(() => {
          known.delete(key)
          return local.reset(key)
        })
    }
  })
