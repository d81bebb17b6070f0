import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Packing five packages and checking their types with arethetypeswrong takes some seconds each on two cores.
    testTimeout: 120_000,
    hookTimeout: 120_000
  }
})
