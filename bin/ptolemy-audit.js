#!/usr/bin/env node
// The command line. The sources are TypeScript, loaded through tsx so that `npm install` needs no build step.
import { register } from "tsx/esm/api"

register()
await import("../src/main.ts")
