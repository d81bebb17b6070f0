import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Http from "node:http"
import type { AddressInfo } from "node:net"
import * as TrackingMoreClient from "../src/TrackingMoreClient.js"

// A server whose answers are 50 MB: with a declared length or chunked, as 200 or 503. It writes in 64 KiB
// pieces as fast as the socket takes them and counts what it managed to write before the client hung up.
const total = 50 * 1024 * 1024
const piece = Buffer.alloc(64 * 1024, 0x20)
let server: Http.Server
let baseUrl: string
const served: Array<{ path: string; written: number }> = []

beforeAll(async () => {
  server = Http.createServer((request, response) => {
    const path = request.url ?? ""
    const record = { path, written: 0 }
    served.push(record)
    response.statusCode = path.includes("unavailable") ? 503 : 200
    response.setHeader("content-type", "application/json")
    if (path.includes("declared")) response.setHeader("content-length", String(total))
    const pump = () => {
      while (record.written < total && !response.destroyed) {
        record.written += piece.length
        if (!response.write(piece)) return response.once("drain", pump)
      }
      if (record.written >= total) response.end()
    }
    response.on("error", () => {})
    pump()
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

const limit = 1024 * 1024

const getFrom = (prefix: string) =>
  Effect.flatMap(TrackingMoreClient.TrackingMoreClient, (client) => client.carriers).pipe(
    Effect.provide(
      TrackingMoreClient.layer({
        apiKey: Redacted.make("size-test-key"),
        baseUrl: `${baseUrl}/${prefix}`,
        maxResponseBytes: limit,
        policy: { serverError: { base: "1 millis", cap: "2 millis" }, serviceUnavailable: { base: "1 millis", cap: "2 millis" } }
      }).pipe(Layer.provide(FetchHttpClient.layer), Layer.orDie)
    ),
    Effect.exit
  )

describe("response size limit", () => {
  it("defaults to 16 MiB", () => {
    assert.strictEqual(TrackingMoreClient.defaultMaxResponseBytes, 16 * 1024 * 1024)
  })

  for (const prefix of ["chunked", "declared", "chunked-unavailable", "declared-unavailable"]) {
    it.live(`a 50 MB answer (${prefix}) fails with MalformedResponse too-large after one attempt, without downloading it`, () =>
      Effect.gen(function*() {
        const before = served.length
        const exit = yield* getFrom(prefix)
        const error = Exit.isFailure(exit) && exit.cause._tag === "Fail" ? exit.cause.error : undefined
        assert.strictEqual(error?._tag, "MalformedResponse")
        if (error?._tag === "MalformedResponse") {
          assert.strictEqual(error.kind, "too-large")
          assert.include(error.message, "maxResponseBytes (1048576 bytes)")
        }
        // Not retried, even at 503: the next answer would be as large.
        assert.strictEqual(served.length - before, 1)
        // Give the server a moment to see the hang-up, then check how much it could write: the socket buffers
        // hold a few MB at most, nowhere near 50.
        yield* Effect.sleep("200 millis")
        assert.isBelow(served[served.length - 1]!.written, 16 * 1024 * 1024)
      }))
  }
})
