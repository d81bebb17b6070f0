import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // the run blocks mostly wait (rate limits, re-polls): a few at once keep the whole run short at little CPU cost
    maxConcurrency: 4
  }
})
