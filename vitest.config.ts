import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // DuckDB is a native addon: separate processes keep each test file's instance isolated.
    pool: "forks",
    testTimeout: 120_000,
    hookTimeout: 120_000
  }
})
