import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // docgen type-checks each package's examples together with its sources: several seconds on two cores.
    testTimeout: 120_000,
    hookTimeout: 120_000
  }
})
