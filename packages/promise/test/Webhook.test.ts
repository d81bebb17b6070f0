import { createHmac } from "node:crypto"
import { createServer, request } from "node:http"
import type { AddressInfo } from "node:net"
import { afterEach, describe, expect, it, vi } from "vitest"
import type * as ClientWebhook from "@trackingmore-effect/client/Webhook"
import type { Tracking, WebhookErrorTag, WebhookMark, WebhookOptions, WebhookVerdict } from "../src/index.js"
import { createDeduplicator, handleWebhook, isInvalidOptionError, webhookHandler } from "../src/index.js"

const email = "ops+webhooks@example.com"

/** The v2 signature, computed independently of the code under test (node:crypto, as PHP's hash_hmac). */
const hmac = (key: string, timeStr: string) => createHmac("sha256", key).update(timeStr).digest("hex")

const wireTracking = (overrides: Record<string, unknown> = {}) => ({
  tracking_number: "1Z999AA10123456784",
  carrier_code: "ups",
  status: "transit",
  updated_at: "2026-03-01T10:00:00.000Z",
  ...overrides
})

const delivery = (options: { readonly data?: unknown; readonly timeStr?: string | number; readonly key?: string } = {}) => {
  const timeStr = options.timeStr ?? "1772359200"
  return JSON.stringify({
    meta: { code: 200, type: "Success", message: "Success" },
    data: options.data ?? wireTracking(),
    verifyInfo: { timeStr, signature: hmac(options.key ?? email, String(timeStr)) }
  })
}

/** `true` when each type is assignable to the other; compiles only for `true` (checked by the package's tsc). */
type Mutual<A, B> = [A] extends [B] ? [B] extends [A] ? true : false : false
type Check<T extends true> = T
// The plain types of the facade stand for the client's: neither can change without the other.
export type Models = [
  Check<Mutual<WebhookMark, ClientWebhook.Mark>>,
  Check<Mutual<WebhookVerdict, ClientWebhook.Verdict>>,
  Check<Mutual<WebhookErrorTag, ClientWebhook.WebhookError["_tag"]>>
]

describe("handleWebhook", () => {
  it("answers 200 with the tracking for a signed delivery, text or bytes, string or numeric timeStr", async () => {
    for (const body of [delivery(), new TextEncoder().encode(delivery()), delivery({ timeStr: 1772359200 })]) {
      const result = await handleWebhook(body, {}, { email })
      expect(result.status).toBe(200)
      expect(result.body).toBe("{\"ok\":true}")
      if (result.status !== 200) throw new Error("narrowing")
      expect([result.tracking.trackingNumber, result.tracking.carrierCode, result.tracking.status]).toEqual([
        "1Z999AA10123456784",
        "ups",
        "transit"
      ])
    }
  })

  it("answers 401 for another email, a tampered timeStr or signature, no verifyInfo", async () => {
    const signed = JSON.parse(delivery()) as { verifyInfo: { timeStr: string; signature: string } }
    const bodies = [
      delivery({ key: "someone@example.com" }),
      JSON.stringify({ ...signed, verifyInfo: { ...signed.verifyInfo, timeStr: "1772359201" } }),
      JSON.stringify({ ...signed, verifyInfo: { ...signed.verifyInfo, signature: "0".repeat(64) } }),
      JSON.stringify({ ...signed, verifyInfo: undefined })
    ]
    for (const body of bodies) {
      const result = await handleWebhook(body, {}, { email })
      expect(result).toMatchObject({ status: 401, error: { tag: "InvalidSignature" } })
      expect(result.body).not.toContain(email)
      expect(JSON.stringify(result)).not.toContain(hmac(email, "1772359200").slice(0, 16))
    }
  })

  it("answers 400 for malformed JSON, non-object JSON, no tracking; 413 for a body too large", async () => {
    for (const body of ["{\"data\":", "", "[]", "null", "\"x\"", delivery({ data: { status: "transit" } })]) {
      expect(await handleWebhook(body, {}, { email })).toMatchObject({ status: 400, error: { tag: "MalformedWebhook" } })
    }
    const large = delivery({ data: wireTracking({ comment: "x".repeat(2000) }) })
    expect(await handleWebhook(large, {}, { email, maxBodyBytes: 1000 })).toMatchObject({
      status: 413,
      error: { tag: "WebhookTooLarge" }
    })
  })

  it("maxAge refuses an old timeStr with 401 (seconds or milliseconds); verify: false skips the signature", async () => {
    const now = Date.now()
    const old = delivery({ timeStr: String(Math.floor(now / 1000) - 600) })
    expect(await handleWebhook(old, {}, { email })).toMatchObject({ status: 200 })
    expect(await handleWebhook(old, {}, { email, maxAge: "5 minutes" })).toMatchObject({
      status: 401,
      error: { tag: "WebhookExpired" }
    })
    expect(await handleWebhook(delivery({ timeStr: now }), {}, { email, maxAge: "5 minutes" })).toMatchObject({ status: 200 })
    const unsigned = JSON.stringify({ data: wireTracking() })
    expect(await handleWebhook(unsigned, {}, { email })).toMatchObject({ status: 401 })
    expect(await handleWebhook(unsigned, {}, { verify: false })).toMatchObject({ status: 200 })
  })

  it("answers 500 without details when the delivery cannot be checked at all (no WebCrypto)", async () => {
    vi.stubGlobal("crypto", undefined)
    try {
      const result = await handleWebhook(delivery(), {}, { email })
      expect(result).toEqual({
        status: 500,
        body: "{\"error\":\"InternalError\",\"message\":\"The update could not be handled\"}",
        error: { tag: "InternalError", message: "The update could not be handled" }
      })
    } finally {
      vi.unstubAllGlobals()
    }
    expect((await handleWebhook(delivery(), {}, { email })).status).toBe(200)
  })
})

describe("webhook options", () => {
  it("options that cannot work throw (handler) or reject (handleWebhook) an InvalidOptionError naming them", async () => {
    const cases: ReadonlyArray<readonly [unknown, string]> = [
      [{ email: "" }, "email"],
      [{}, "email"],
      [{ email, maxBodyBytes: 0 }, "maxBodyBytes"],
      [{ email, maxAge: "5 secs" }, "maxAge"],
      [{ email, maxBodySize: 10 }, "options.maxBodySize"],
      [null, "options"]
    ]
    for (const [options, option] of cases) {
      const thrown = (() => {
        try {
          webhookHandler(options as WebhookOptions, () => undefined)
        } catch (e) {
          return e
        }
      })()
      expect(isInvalidOptionError(thrown) && thrown.option).toBe(option)
      expect(String(thrown)).not.toContain(email)
      const rejected = await handleWebhook(delivery(), {}, options as WebhookOptions).catch((e: unknown) => e)
      expect(isInvalidOptionError(rejected) && rejected.option).toBe(option)
    }
    const verifyFlag = Math.random() > 2
    expect((await handleWebhook(delivery(), {}, { email, verify: verifyFlag ? true : false })).status).toBe(200)
  })
})

describe("createDeduplicator", () => {
  const at = (updatedAt: string, status = "transit", trackingNumber = "1Z999AA10123456784"): Tracking.Tracking => ({
    trackingNumber,
    carrierCode: "ups",
    status,
    updatedAt
  })

  it("handles each update once: repeats and older deliveries are skipped, a failed handling is not remembered", async () => {
    const dedup = createDeduplicator()
    const handled: Array<string> = []
    const onNew = (t: Tracking.Tracking) => {
      handled.push(`${t.trackingNumber} ${t.status}`)
    }
    const verdicts = []
    for (
      const t of [
        at("2026-03-01T10:00:00Z"),
        at("2026-03-01T10:00:00Z"),
        at("2026-03-01T12:00:00Z", "delivered"),
        at("2026-03-01T11:00:00Z", "pickup"),
        at("2026-03-01 09:00:00", "pending", "OTHER1")
      ]
    ) verdicts.push(await dedup.handle(t, onNew))
    expect(verdicts).toEqual(["new", "repeat", "new", "stale", "new"])
    expect(handled).toEqual(["1Z999AA10123456784 transit", "1Z999AA10123456784 delivered", "OTHER1 pending"])

    const t = at("2026-03-02T00:00:00Z")
    await expect(dedup.handle(t, () => Promise.reject(new Error("db down")))).rejects.toThrow("db down")
    expect(await dedup.check(t)).toBe("new")
  })

  it("takes an async store of the user's", async () => {
    const saved = new Map<string, string>()
    const store = {
      get: async (key: string) => {
        const s = saved.get(key)
        return s === undefined ? undefined : JSON.parse(s) as WebhookMark
      },
      set: async (key: string, mark: WebhookMark) => void saved.set(key, JSON.stringify(mark))
    }
    await createDeduplicator(store).handle(at("2026-03-01T10:00:00Z"), () => undefined)
    expect([...saved.keys()]).toEqual(["ups/1Z999AA10123456784"])
    expect(await createDeduplicator(store).check(at("2026-03-01T10:00:00Z"))).toBe("repeat")
  })
})

// ---------------------------------------------------------------------------------------------------------------
// webhookHandler on node:http

const servers: Array<ReturnType<typeof createServer>> = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))))
})

const listen = async (handler: Parameters<typeof createServer>[1] & object) => {
  const server = createServer(handler)
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`
}

/** POSTs with node:http: chunks without a content-length (chunked) when `body` is an array. */
const post = (url: string, body: string | ReadonlyArray<string>, method = "POST") =>
  new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request(url, { method }, (res) => {
      let text = ""
      res.setEncoding("utf8")
      res.on("data", (chunk: string) => (text += chunk))
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }))
    })
    req.on("error", reject)
    if (typeof body === "string") req.end(body)
    else {
      for (const chunk of body) req.write(chunk)
      req.end()
    }
  })

describe("webhookHandler", () => {
  it("answers 200 after onUpdate, 401, 400, 413 (declared or streamed), 405", async () => {
    const handled: Array<string> = []
    const url = await listen(webhookHandler({ email, maxBodyBytes: 4096 }, async (tracking) => {
      await new Promise((resolve) => setTimeout(resolve, 5))
      handled.push(tracking.status ?? "?")
    }))
    expect(await post(url, delivery())).toEqual({ status: 200, body: "{\"ok\":true}" })
    expect(handled).toEqual(["transit"])
    const wrong = await post(url, delivery({ key: "other@example.com" }))
    expect(wrong.status).toBe(401)
    expect(JSON.parse(wrong.body)).toMatchObject({ error: "InvalidSignature" })
    expect(wrong.body).not.toContain(email)
    expect((await post(url, "{not json")).status).toBe(400)
    expect((await post(url, "[1]")).status).toBe(400)
    expect((await post(url, delivery({ data: wireTracking({ comment: "x".repeat(5000) }) }))).status).toBe(413)
    expect((await post(url, Array.from({ length: 10 }, () => "x".repeat(1000)))).status).toBe(413)
    expect((await post(url, "", "GET")).status).toBe(405)
    // after all that, the server still answers
    expect((await post(url, delivery())).status).toBe(200)
    expect(handled).toEqual(["transit", "transit"])
  })

  it("answers 500 without details when onUpdate throws or rejects, and never leaves an unhandled rejection", async () => {
    const unhandled = vi.fn()
    process.on("unhandledRejection", unhandled)
    try {
      let calls = 0
      const url = await listen(webhookHandler({ email }, (_tracking) => {
        calls++
        if (calls === 1) throw new Error("db password=hunter2")
        if (calls === 2) return Promise.reject(new Error("db password=hunter2"))
        return undefined
      }))
      for (let i = 0; i < 2; i++) {
        const answer = await post(url, delivery())
        expect(answer.status).toBe(500)
        expect(answer.body).not.toContain("hunter2")
      }
      expect((await post(url, delivery())).status).toBe(200)
      await new Promise((resolve) => setTimeout(resolve, 20))
      expect(unhandled).not.toHaveBeenCalled()
    } finally {
      process.off("unhandledRejection", unhandled)
    }
  })

  it("takes a body an Express parser left: bytes, text or parsed JSON", async () => {
    const answers: Array<number> = []
    const res = () => {
      const response = {
        statusCode: 0,
        setHeader: () => response,
        end: (_body: string) => {
          answers.push(response.statusCode)
          return response
        }
      }
      return response
    }
    const handler = webhookHandler({ email }, () => undefined)
    const noStream = () => {
      throw new Error("the stream must not be read")
    }
    for (const body of [Buffer.from(delivery()), delivery(), JSON.parse(delivery())]) {
      handler({ method: "POST", headers: {}, body, on: noStream }, res())
    }
    await vi.waitFor(() => expect(answers).toEqual([200, 200, 200]))
  })

  it("with a deduplicator: a re-delivery and an older delivery are answered 200 and handled once", async () => {
    const dedup = createDeduplicator()
    const handled: Array<string> = []
    const url = await listen(webhookHandler({ email }, (tracking) =>
      dedup.handle(tracking, (t) => {
        handled.push(`${t.status}`)
      })))
    const newer = delivery({ data: wireTracking({ status: "delivered", updated_at: "2026-03-01T12:00:00Z" }) })
    for (const body of [delivery(), newer, newer, delivery()]) expect((await post(url, body)).status).toBe(200)
    expect(handled).toEqual(["transit", "delivered"])
  })
})
