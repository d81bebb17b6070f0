import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Bundling takes well under a second; starting Deno and the edge runtime a second or two each.
    testTimeout: 60_000,
    hookTimeout: 60_000
  }
})
