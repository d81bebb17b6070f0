/**
 * The HTTP server: `node:http` on loopback, the envelope and the HTTP-status modes, the faults that act on the
 * socket (reset, timeout, slow, truncated, html502, empty), and closing with hanging requests open.
 */
import * as StatusCode from "@trackingmore-effect/core/StatusCode"
import * as http from "node:http"
import type { AddressInfo, Socket } from "node:net"
import type { ScriptedFault } from "../Fault.js"
import type { Mode, Options, SimulatorServer } from "../Simulator.js"
import { control, controlPrefix } from "./control.js"
import { Engine } from "./engine.js"
import { Pusher } from "./pusher.js"
import type { Result } from "./result.js"
import { fail } from "./result.js"
import type { Route } from "./router.js"
import { basePath, route } from "./router.js"
import { defaultKeys } from "./store.js"

const envelopeBody = (result: Result): string => {
  const entry = StatusCode.lookup(result.code)
  return JSON.stringify({
    meta: { code: result.code, type: entry?.type ?? "Unknown", message: result.message ?? entry?.meaning ?? "Unknown" },
    data: result.data
  })
}

const httpStatus = (mode: Mode, code: number): number => (mode === "always-200" ? 200 : code < 1000 ? code : 400)

const html502 =
  "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"

const readBody = (req: http.IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Array<Buffer> = []
    req.on("data", (chunk: Buffer) => chunks.push(chunk))
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")))
    req.on("error", reject)
  })

const sendJson = (res: http.ServerResponse, status: number, body: string): void => {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(body) })
  res.end(body)
}

const notFound: Route = { _tag: "miss", code: 404 }

export const startServer = async (options: Options): Promise<SimulatorServer> => {
  const engine = new Engine(options)
  // Checks the webhook URLs before listening: a bad one fails the start.
  const pusher = new Pusher(engine, options.webhooks)
  const controlOn = options.control === true
  const sockets = new Set<Socket>()
  const timers = new Set<ReturnType<typeof setTimeout>>()
  let closing = false

  const onRequest = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const at = Date.now()
    const simulatedAt = engine.now()
    const method = req.method ?? "GET"
    const rawUrl = req.url ?? "/"
    const q = rawUrl.indexOf("?")
    const pathname = q === -1 ? rawUrl : rawUrl.slice(0, q)
    const headerKey = req.headers["trackingmore-api-key"]
    const key = typeof headerKey === "string" && headerKey.length > 0 ? headerKey : undefined
    const mode = engine.config.mode

    // With the control surface off, `/_control/*` is an unknown path like any other.
    const isControl = pathname.startsWith(controlPrefix)
    if (isControl) {
      const body = method === "GET" ? "" : await readBody(req)
      if (controlOn) {
        const reply = control(engine, pusher, method, pathname, body)
        return sendJson(res, reply.status, JSON.stringify(reply.body))
      }
    }

    const r = isControl ? notFound : route(method, pathname)
    const log = (status: number, code: number | undefined, fault?: ScriptedFault): void =>
      engine.record({
        at,
        simulatedAt,
        method,
        path: pathname,
        endpoint: r._tag === "endpoint" ? r.endpoint : undefined,
        key,
        status,
        code,
        ...(fault === undefined ? {} : { fault })
      })

    if (r._tag === "miss") {
      if (method !== "GET" && !isControl) await readBody(req)
      const status = httpStatus(mode, r.code)
      sendJson(res, status, envelopeBody(fail(r.code, `(${method} ${pathname})`)))
      return log(status, r.code)
    }

    const fault = engine.pickFault(r.endpoint)
    const body = method === "GET" ? "" : await readBody(req)
    if (method === "GET") req.resume()

    const respond = (truncate: boolean): void => {
      // A slow answer is processed when it is sent.
      const now = fault === "slow" ? engine.now() : simulatedAt
      const result = engine.handle({
        endpoint: r.endpoint,
        key,
        params: r.params,
        query: q === -1 ? new URLSearchParams() : new URLSearchParams(rawUrl.slice(q + 1)),
        body
      }, now)
      const status = httpStatus(engine.config.mode, result.code)
      const text = envelopeBody(result)
      sendJson(res, status, truncate ? text.slice(0, Math.floor(text.length / 2)) : text)
      log(status, result.code, fault)
    }

    switch (fault) {
      case undefined:
        return respond(false)
      case "reset":
        req.socket.destroy()
        return log(0, undefined, fault)
      case "timeout":
        return log(0, undefined, fault)
      case "slow": {
        const timer = setTimeout(() => {
          timers.delete(timer)
          if (!closing && !res.destroyed) respond(false)
        }, engine.config.faults.slowMs ?? 2000)
        timers.add(timer)
        return
      }
      case "truncated":
        return respond(true)
      case "html502":
        res.writeHead(502, { "content-type": "text/html", "content-length": Buffer.byteLength(html502) })
        res.end(html502)
        return log(502, undefined, fault)
      case "empty":
        res.writeHead(200, { "content-type": "application/json", "content-length": 0 })
        res.end()
        return log(200, undefined, fault)
      default: {
        // A catalogue code (or "429-penalty"): its envelope, the request not processed.
        const code = fault === "429-penalty" ? 429 : Number(fault)
        if (fault === "429-penalty") engine.startPenalty(key, simulatedAt)
        const valid = Number.isInteger(code) && StatusCode.lookup(code) !== undefined ? code : 500
        const status = httpStatus(engine.config.mode, valid)
        sendJson(res, status, envelopeBody(fail(valid, "(injected fault)")))
        return log(status, valid, fault)
      }
    }
  }

  const server = http.createServer({ keepAlive: true }, (req, res) => {
    onRequest(req, res).catch(() => {
      if (!res.headersSent) sendJson(res, 500, envelopeBody(fail(500)))
      else res.destroy()
    })
  })
  server.keepAliveTimeout = 30_000
  server.on("connection", (socket) => {
    sockets.add(socket)
    socket.on("close", () => sockets.delete(socket))
  })
  server.on("clientError", (_err, socket) => socket.destroy())

  await new Promise<void>((resolve, reject) => {
    server.once("error", (error) => {
      pusher.close()
      reject(error)
    })
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => {
      server.off("error", reject)
      resolve()
    })
  })
  const address = server.address() as AddressInfo
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address
  const origin = `http://${host}:${address.port}`

  let closed: Promise<void> | undefined
  const close = (): Promise<void> => {
    if (closed !== undefined) return closed
    closing = true
    pusher.close()
    for (const timer of timers) clearTimeout(timer)
    timers.clear()
    closed = new Promise<void>((resolve) => {
      server.close(() => resolve())
      server.closeAllConnections()
      for (const socket of sockets) socket.destroy()
    })
    return closed
  }

  return {
    baseUrl: `${origin}${basePath}`,
    origin,
    port: address.port,
    keys: (options.keys ?? defaultKeys).map((k) => k.key),
    log: () => engine.logEntries.slice(),
    counters: () => engine.counters(),
    setFaults: (faults) => engine.setFaults(faults),
    setKey: (k) => engine.setKey(k),
    setRateLimits: (limits) => engine.setRateLimits(limits),
    setMode: (mode) => {
      engine.config.mode = mode
    },
    scenario: (s) => engine.scenario(s),
    advance: (ms) => {
      engine.offset += ms
      pusher.tick()
    },
    now: () => engine.now(),
    reset: () => {
      engine.reset()
      pusher.reset(options.webhooks)
    },
    deliveries: () => pusher.deliveries(),
    webhookCounts: () => pusher.counts(),
    setWebhooks: (webhooks) => pusher.configure(webhooks),
    close
  }
}
