import type { ClientOptions } from "../src/Client.js"

/** Real seconds per simulated second in these tests. */
export const timeScale = 0.01

/** Client options matching a simulator running at `timeScale` (every documented time scaled the same way). */
export const scaled = (baseUrl: string, overrides: Partial<ClientOptions> = {}): ClientOptions => {
  const s = (seconds: number): `${number} millis` => `${seconds * timeScale * 1000} millis`
  return {
    apiKey: "sim-key-1",
    baseUrl,
    policy: {
      tooManyRequests: { wait: s(120) },
      serviceUnavailable: { base: s(1), cap: s(30) },
      serverError: { base: s(0.5), cap: s(10) },
      notRegistered: { interval: s(2) },
      deadline: s(600)
    },
    rateLimits: {
      default: { limit: 1, window: s(1) },
      realtime: { limit: 3, window: s(1) },
      list: { limit: 1, window: s(1) }
    },
    attemptTimeout: "2 seconds",
    ...overrides
  }
}
