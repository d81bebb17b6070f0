import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Packing, an npm install (from the cache after the first run) and two full type-checks of effect's
    // declarations take about half a minute on two cores; the limits leave room for a cold npm cache.
    testTimeout: 180_000,
    hookTimeout: 300_000
  }
})
