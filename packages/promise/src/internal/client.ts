/**
 * The implementation of `createClient`: a `ManagedRuntime` holding the Effect client over `fetch`, every method
 * a call run on it by the runner (Promise, `AbortSignal`, error classes), and `close()` stopping them all.
 */
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import type * as ClientOutcome from "@trackingmore-effect/client/CreateOutcome"
import * as EffectClient from "@trackingmore-effect/client/TrackingMoreClient"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Stream from "effect/Stream"
import type { CallOptions, ClientOptions, CreateOutcome, TrackingMoreClient } from "../Client.js"
import { ClientClosedError } from "../TrackingMoreError.js"
import type { ErrorOf, TrackingMoreError } from "../TrackingMoreError.js"
import * as internalOptions from "./options.js"
import * as runner from "./runner.js"

const inspectSymbol = Symbol.for("nodejs.util.inspect.custom")

const toOutcome = (outcome: ClientOutcome.CreateOutcome): CreateOutcome => {
  switch (outcome._tag) {
    case "Created":
      return { _tag: "Created", input: outcome.input, tracking: outcome.tracking }
    case "Existed":
      return { _tag: "Existed", input: outcome.input, tracking: outcome.tracking }
    case "Failed":
      return { _tag: "Failed", input: outcome.input, error: runner.toPromiseError(outcome.error) as TrackingMoreError }
    case "NotSent":
      return {
        _tag: "NotSent",
        input: outcome.input,
        reason: runner.toPromiseError(outcome.reason) as ErrorOf<"DeadlineExceeded">
      }
  }
}

/** See `createClient`. */
export const make = (options: ClientOptions): TrackingMoreClient => {
  const effectOptions = internalOptions.toClientOptions(options)
  const fetch = options.fetch
  const baseUrl = internalOptions.displayBaseUrl(options)
  const http = fetch === undefined
    ? FetchHttpClient.layer
    : Layer.provide(FetchHttpClient.layer, Layer.succeed(FetchHttpClient.Fetch, fetch))
  // The options were checked above, so building the layer cannot fail.
  const runtime = ManagedRuntime.make(Layer.orDie(Layer.provide(EffectClient.layer(effectOptions), http)))

  let closed = false
  const active = new Set<(reason: unknown) => void>()
  const owner: runner.Owner<EffectClient.TrackingMoreClient> = {
    runtime,
    isClosed: () => closed,
    register: (abort) => {
      active.add(abort)
      return () => active.delete(abort)
    }
  }
  const call = <A>(
    what: string,
    f: (client: EffectClient.Service) => Effect.Effect<A, unknown>,
    callOptions: CallOptions | undefined
  ): Promise<A> => runner.run(owner, what, Effect.flatMap(EffectClient.TrackingMoreClient, f), callOptions?.signal)

  const client: TrackingMoreClient = {
    create: (input, o) => call("create", (c) => c.create(input), o),
    createMany: (items, o) =>
      call("createMany", (c) => Effect.map(c.createMany(items, { deadline: o?.deadline }), (xs) => xs.map(toOutcome)), o),
    get: (carrierCode, trackingNumber, o) =>
      call("get", (c) => c.get(carrierCode, trackingNumber, { lang: o?.lang, register: o?.register }), o),
    list: (query, o) => call("list", (c) => c.list(query), o),
    update: (carrierCode, trackingNumber, changes, o) =>
      call("update", (c) => c.update(carrierCode, trackingNumber, changes), o),
    delete: (carrierCode, trackingNumber, o) => call("delete", (c) => c.delete(carrierCode, trackingNumber), o),
    updateMany: (items, o) => call("updateMany", (c) => c.updateMany(items, { deadline: o?.deadline }), o),
    deleteMany: (items, o) => call("deleteMany", (c) => c.deleteMany(items, { deadline: o?.deadline }), o),
    realtime: (input, o) => call("realtime", (c) => c.realtime(input), o),
    changeCarrier: (carrierCode, trackingNumber, newCarrierCode, o) =>
      call("changeCarrier", (c) => c.changeCarrier(carrierCode, trackingNumber, newCarrierCode), o),
    userInfo: (o) => call("userInfo", (c) => c.userInfo, o),
    statusCounts: (query, o) => call("statusCounts", (c) => c.statusCounts(query), o),
    carriers: (o) => call("carriers", (c) => c.carriers, o),
    detect: (trackingNumber, o) => call("detect", (c) => c.detect(trackingNumber), o),
    pollUntilFinal: (shipments, o) => {
      const pollOptions = internalOptions.toPollOptions(o)
      return runner.iterate(
        owner,
        "pollUntilFinal",
        Stream.unwrap(Effect.map(EffectClient.TrackingMoreClient, (c) => c.pollUntilFinal(shipments, pollOptions))),
        o?.signal
      )
    },
    close: async () => {
      if (closed) return
      closed = true
      for (const abort of [...active]) abort(new ClientClosedError("the call"))
      await runtime.dispose()
    },
    get closed() {
      return closed
    }
  }
  Object.defineProperty(client, inspectSymbol, {
    value: () => `TrackingMoreClient { baseUrl: ${JSON.stringify(baseUrl)}, apiKey: <redacted>, closed: ${closed} }`,
    enumerable: false
  })
  Object.defineProperty(client, "toJSON", {
    value: () => ({ baseUrl, closed }),
    enumerable: false
  })
  return Object.freeze(client)
}
