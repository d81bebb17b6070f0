import * as Effect from "effect/Effect"
import type { SimulatorHandle } from "../src/Simulator.js"

export interface Reply {
  readonly status: number
  readonly text: string
  readonly code: number | undefined
  readonly type: string | undefined
  readonly message: string | undefined
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly data: any
}

export interface CallOptions {
  readonly key?: string | null
  readonly body?: unknown
  readonly raw?: string
}

/** One request over real HTTP; `key: null` sends no key header. */
export const call = (
  sim: Pick<SimulatorHandle, "baseUrl">,
  method: string,
  path: string,
  options: CallOptions = {}
): Effect.Effect<Reply> =>
  Effect.promise(async () => {
    const headers: Record<string, string> = { "content-type": "application/json" }
    const key = options.key === undefined ? "sim-key-1" : options.key
    if (key !== null) headers["Trackingmore-Api-Key"] = key
    const body = options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body))
    const res = await fetch(`${sim.baseUrl}${path}`, { method, headers, ...(body === undefined ? {} : { body }) })
    const text = await res.text()
    let json: { meta?: { code?: number; type?: string; message?: string }; data?: unknown } | undefined
    try {
      json = JSON.parse(text)
    } catch {
      json = undefined
    }
    return {
      status: res.status,
      text,
      code: json?.meta?.code,
      type: json?.meta?.type,
      message: json?.meta?.message,
      data: json?.data
    }
  })

/** Rate limits that never get in the way of a functional test. */
export const generous = { default: 1_000_000, realtime: 1_000_000, list: 1_000_000 } as const

export const sleep = (ms: number): Effect.Effect<void> => Effect.promise(() => new Promise((r) => setTimeout(r, ms)))
