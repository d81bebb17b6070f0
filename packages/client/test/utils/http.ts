import * as HttpClient from "@effect/platform/HttpClient"
import type * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"

/** A TrackingMore envelope as the server sends it. */
export const envelope = (code: number, data: unknown): string =>
  JSON.stringify({ meta: { code, type: "", message: "" }, data })

/** A fake HttpClient answering from a script with HTTP 200; records every request. */
export const fake = (answer: (request: HttpClientRequest.HttpClientRequest, n: number) => string) => {
  const requests: Array<HttpClientRequest.HttpClientRequest> = []
  const layer = Layer.succeed(
    HttpClient.HttpClient,
    HttpClient.make((request) =>
      Effect.sync(() => {
        requests.push(request)
        return HttpClientResponse.fromWeb(request, new Response(answer(request, requests.length), { status: 200 }))
      })
    )
  )
  return { requests, layer }
}
