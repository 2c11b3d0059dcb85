#!/usr/bin/env node
// The command line: the compiled JavaScript in dist/, which `npm install` builds (the `prepare` script).
import { existsSync } from "node:fs"

const main = new URL("../dist/main.js", import.meta.url)
if (!existsSync(main)) {
  process.stderr.write("error: ptolemy-audit is not built: run `npm install` (or `npm run build`) in its folder.\n")
  process.exit(3)
}
await import(main.href)
