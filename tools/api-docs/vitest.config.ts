import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // docgen parses each package and type-checks its examples with its sources: about ten seconds of CPU each,
    // several times that on a machine shared with other builds.
    testTimeout: 300_000,
    hookTimeout: 120_000
  }
})
