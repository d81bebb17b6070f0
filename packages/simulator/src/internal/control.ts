/**
 * The control surface (`/_control/*`, when the `control` option is on): plain JSON, no envelope, no key, not
 * logged, not rate limited.
 */
import type { Scenario } from "../Simulator.js"
import type * as Webhooks from "../Webhooks.js"
import type { Engine } from "./engine.js"
import type { Pusher } from "./pusher.js"
import { BAD_JSON, isObject, parseBody } from "./result.js"

export const controlPrefix = "/_control"

/** The status and JSON body of a control request. */
export const control = (
  engine: Engine,
  pusher: Pusher,
  method: string,
  pathname: string,
  body: string
): { readonly status: number; readonly body: unknown } => {
  const reply = (status: number, data: unknown) => ({ status, body: data })
  const path = pathname.replace(/\/$/, "")
  if (method === "GET") {
    switch (path) {
      case `${controlPrefix}/log`:
        return reply(200, { entries: engine.logEntries })
      case `${controlPrefix}/counters`:
        return reply(200, engine.counters())
      case `${controlPrefix}/webhooks`:
        // The URLs and the deliveries, never the email (it is the signature key).
        return reply(200, {
          urls: pusher.config?.urls.map((u) => u.toString()) ?? [],
          counts: pusher.counts(),
          deliveries: pusher.deliveries()
        })
      case `${controlPrefix}/state`:
        return reply(200, {
          now: engine.now(),
          mode: engine.config.mode,
          keys: [...engine.keys.values()].map((k) => ({
            ...k.config,
            penaltyUntil: k.penaltyUntil,
            trackings: k.trackings.size
          }))
        })
    }
  }
  const parsed = parseBody(body, true)
  if (parsed === BAD_JSON || !isObject(parsed)) return reply(400, { error: "the body must be a JSON object" })
  if (method === "POST") {
    switch (path) {
      case `${controlPrefix}/scenario`:
        engine.scenario(parsed as Scenario)
        return reply(200, { ok: true })
      case `${controlPrefix}/reset`:
        engine.reset()
        pusher.reset(engine.options.webhooks)
        return reply(200, { ok: true })
      case `${controlPrefix}/webhooks`: {
        const options = parsed as unknown as Webhooks.Options
        if (!Array.isArray(options.urls) || (options.urls.length > 0 && typeof options.email !== "string")) {
          return reply(400, { error: "expected { urls: string[], email: string, faults?, timeoutMs?, maxRetries? }" })
        }
        try {
          pusher.configure(options)
        } catch (error) {
          return reply(400, { error: error instanceof Error ? error.message : String(error) })
        }
        return reply(200, { ok: true })
      }
      case `${controlPrefix}/advance`: {
        const seconds = Number(parsed.seconds)
        if (!Number.isFinite(seconds) || seconds < 0) {
          return reply(400, { error: "seconds must be a non-negative number" })
        }
        engine.offset += seconds * 1000
        pusher.tick()
        return reply(200, { ok: true, now: engine.now() })
      }
    }
  }
  return reply(404, { error: `no control route ${method} ${pathname}` })
}
