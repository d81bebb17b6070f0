/**
 * Node's `http` (and Express) for `webhookHandler`: the body read within its limit, whatever a body parser left
 * of it, and an answer that is never a throw when the connection is gone.
 */
import type { WebhookRequest, WebhookResponse } from "../Webhook.js"

const encoder = new TextEncoder()

const isBytes = (value: unknown): value is Uint8Array => value instanceof Uint8Array

/** A body, or why there is none to check. */
export type BodyRead =
  | { readonly _tag: "body"; readonly body: string | Uint8Array }
  | { readonly _tag: "too-large" }
  | { readonly _tag: "failed" }

/** Reads a request's body, at most `maxBodyBytes`; settles with `too-large` as soon as the limit is passed. */
export const readBody = (req: WebhookRequest, maxBodyBytes: number): Promise<BodyRead> => {
  if (typeof req.body === "string" || isBytes(req.body)) return Promise.resolve({ _tag: "body", body: req.body })
  // express.json() parsed it already: v2 signs `timeStr` only, so the re-serialized body verifies the same.
  if (req.body !== undefined) return Promise.resolve({ _tag: "body", body: JSON.stringify(req.body) })
  const declared = Number(req.headers["content-length"])
  if (Number.isFinite(declared) && declared > maxBodyBytes) return Promise.resolve({ _tag: "too-large" })
  return new Promise((resolve) => {
    const chunks: Array<Uint8Array> = []
    let size = 0
    let settled = false
    const settle = (read: BodyRead) => {
      if (settled) return
      settled = true
      resolve(read)
    }
    // Past the limit the rest of the body still flows (and is dropped): a request left unread would make Node
    // close the connection before the sender reads the 413.
    req.on("data", (chunk) => {
      if (settled) return
      const bytes = typeof chunk === "string" ? encoder.encode(chunk) : chunk
      size += bytes.length
      if (size > maxBodyBytes) return settle({ _tag: "too-large" })
      chunks.push(bytes)
    })
    req.on("end", () => {
      const body = new Uint8Array(size)
      let offset = 0
      for (const chunk of chunks) {
        body.set(chunk, offset)
        offset += chunk.length
      }
      settle({ _tag: "body", body })
    })
    req.on("error", () => settle({ _tag: "failed" }))
  })
}

/** Answers with a JSON body. */
export const send = (res: WebhookResponse, status: number, body: string): void => {
  try {
    res.statusCode = status
    res.setHeader("content-type", "application/json")
    res.end(body)
  } catch {
    // The connection is gone; there is nobody left to answer.
  }
}
