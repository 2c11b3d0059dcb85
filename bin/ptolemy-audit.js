#!/usr/bin/env node
// The command line: the compiled JavaScript in dist/, which `npm install` builds (the `prepare` script).
import { existsSync } from "node:fs"
import module from "node:module"

const main = new URL("../dist/main.js", import.meta.url)
if (!existsSync(main)) {
  process.stderr.write("error: ptolemy-audit is not built: run `npm install` (or `npm run build`) in its folder.\n")
  process.exit(3)
}
// Node 22.1 and later keep V8's compiled code on disk (in the system's temporary folder), so that later starts
// skip most of the compiling; Node 20 has no such cache and compiles every time.
module.enableCompileCache?.()
await import(main.href)
