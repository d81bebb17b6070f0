import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import { Simulator } from "@trackingmore-effect/simulator"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as TrackingMoreClient from "../../src/TrackingMoreClient.js"

/** Real seconds per simulated second in the end-to-end tests. */
export const timeScale = 0.01

/** The simulated seconds `s` in real milliseconds. */
export const simMs = (s: number): number => s * timeScale * 1000

/** Client options matching a simulator running at `scale` (the simulator's `clientOptions`), then `overrides`. */
export const scaledOptions = (
  apiKey: string,
  baseUrl: string,
  scale: number = timeScale,
  overrides: Partial<TrackingMoreClient.ClientOptions> = {}
): TrackingMoreClient.ClientOptions => ({
  apiKey: Redacted.make(apiKey),
  baseUrl,
  ...Simulator.clientOptions(scale),
  ...overrides
})

/** A client layer over fetch for a simulator. */
export const clientLayer = (
  sim: { readonly baseUrl: string },
  apiKey = "sim-key-1",
  overrides: Partial<TrackingMoreClient.ClientOptions> = {},
  scale: number = timeScale
): Layer.Layer<TrackingMoreClient.TrackingMoreClient> =>
  TrackingMoreClient.layer(scaledOptions(apiKey, sim.baseUrl, scale, overrides)).pipe(
    Layer.provide(FetchHttpClient.layer),
    Layer.orDie
  )

/** Starts a simulator for the test file; returns accessors and a closer. */
export const startSimulator = (options: Simulator.Options = {}) =>
  Simulator.startServer({ timeScale, ...options })

export const client = TrackingMoreClient.TrackingMoreClient

export const use = <A, E>(
  layer: Layer.Layer<TrackingMoreClient.TrackingMoreClient>,
  f: (client: TrackingMoreClient.Service) => Effect.Effect<A, E>
): Effect.Effect<A, E> => Effect.provide(Effect.flatMap(TrackingMoreClient.TrackingMoreClient, f), layer)
