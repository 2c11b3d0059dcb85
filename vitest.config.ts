import { readFileSync } from "node:fs"
import { defineConfig, type Plugin } from "vitest/config"

/** `import sql from "./views.sql"` gives the file's text, as the build does. */
const sqlAsText: Plugin = {
  name: "sql-as-text",
  load: (id) => (id.endsWith(".sql") ? `export default ${JSON.stringify(readFileSync(id, "utf8"))}` : null)
}

export default defineConfig({
  plugins: [sqlAsText],
  test: {
    include: ["test/**/*.test.ts"],
    // dist/ is built from the current sources first: the CLI tests run the compiled command line.
    globalSetup: ["test/support/BuildOnce.ts"],
    // DuckDB is a native addon: separate processes keep each test file's instance isolated.
    pool: "forks",
    // Most of a test's time is spent waiting: on the CLI child it starts, on DuckDB's threads, on a simulated
    // Retry-After. vitest's default on two cores is one file at a time; three keep both cores busy.
    poolOptions: { forks: { maxForks: Number(process.env["TEST_FORKS"] ?? 3), minForks: 1 } },
    testTimeout: 120_000,
    hookTimeout: 120_000
  }
})
