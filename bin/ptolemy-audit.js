#!/usr/bin/env node
// The command line. The sources are TypeScript, loaded through tsx so that `npm install` needs no build step.
import { register as registerHooks } from "node:module"
import { register } from "tsx/esm/api"

register()
registerHooks("./sql-hooks.js", import.meta.url)
await import("../src/main.ts")
