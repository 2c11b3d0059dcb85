#!/usr/bin/env node
/**
 * Builds dist/ from src/ with esbuild: `npm run build`, and `npm install` through the `prepare` script. One bundle,
 * split at the dynamic imports (each command's handler is a chunk loaded when the command runs), with the SQL files
 * embedded as text. Left out of the bundle: the native bindings (DuckDB, resvg), exceljs (CommonJS, large, loaded
 * only by the report writers) and playwright-core (loaded only by `evidence --pdf`). Why esbuild, measured: README.md, "Why these dependencies".
 */
import { build } from "esbuild"
import { rmSync, writeFileSync } from "node:fs"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("..", import.meta.url))

/**
 * @effect/cli imports YAML, TOML and INI parsers (400 KB of CommonJS, compiled at every start) for its config-file
 * options (Options.fileParse, fileSchema), which this CLI does not use: they are replaced by stubs that say so.
 */
const withoutConfigFileParsers = {
  name: "without-config-file-parsers",
  setup(build) {
    build.onResolve({ filter: /^(yaml|toml|ini)$/ }, (args) => ({ path: args.path, namespace: "unbundled" }))
    build.onLoad({ filter: /.*/, namespace: "unbundled" }, (args) => ({
      loader: "js",
      contents:
        `const parse = () => { throw new Error("the ${args.path} parser is left out of the build (scripts/build.mjs)") }
export { parse, parse as stringify }
export default { parse, stringify: parse }`
    }))
  }
}

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
    external: ["@duckdb/node-bindings", "@resvg/resvg-js", "exceljs", "playwright-core"],
    // CommonJS packages inside the bundle (yaml, toml, undici) call require() for Node's built-ins.
    banner: {
      js:
        "import { createRequire as __createRequire } from \"node:module\"; const require = __createRequire(import.meta.url);"
    },
    // Start-up is mostly V8 compiling the bundle: minified, there is less than half as much to compile.
    minify: true,
    plugins: [withoutConfigFileParsers],
    sourcemap: true,
    metafile: true,
    logLevel: "warning"
  })
  // Which sources each chunk holds (the lazy-loading test reads it; it is not part of the package).
  writeFileSync(`${outdir}/meta.json`, JSON.stringify(result.metafile))
  return result.metafile
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildDist()
