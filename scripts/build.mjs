#!/usr/bin/env node
/**
 * Builds dist/ from src/ with esbuild: `npm run build`, and `npm install` through the `prepare` script. One bundle,
 * split at the dynamic imports (each command's handler is a chunk loaded when the command runs), with the SQL files
 * embedded as text. Left out of the bundle: the native DuckDB binding, and exceljs (CommonJS, large, loaded only by
 * the report writers). Why esbuild, measured: README.md, "Why these dependencies".
 */
import { build } from "esbuild"
import { rmSync, writeFileSync } from "node:fs"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("..", import.meta.url))

export const buildDist = async ({ outdir = `${root}dist` } = {}) => {
  rmSync(outdir, { recursive: true, force: true })
  const result = await build({
    absWorkingDir: root,
    entryPoints: ["src/main.ts"],
    outdir,
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node20",
    loader: { ".sql": "text" },
    external: ["@duckdb/node-api", "exceljs"],
    // CommonJS packages inside the bundle (yaml, toml, undici) call require() for Node's built-ins.
    banner: { js: "import { createRequire as __createRequire } from \"node:module\"; const require = __createRequire(import.meta.url);" },
    sourcemap: true,
    metafile: true,
    logLevel: "warning"
  })
  // Which sources each chunk holds (the lazy-loading test reads it; it is not part of the package).
  writeFileSync(`${outdir}/meta.json`, JSON.stringify(result.metafile))
  return result.metafile
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildDist()
