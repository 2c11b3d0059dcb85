/** Regenerates docs/config.schema.json from the config file's Schema (a test fails when it is stale). */
import { writeFileSync } from "node:fs"
import { configJsonSchema } from "../src/cli/ConfigFile.js"

const target = new URL("../docs/config.schema.json", import.meta.url)
writeFileSync(target, `${JSON.stringify(configJsonSchema(), null, 2)}\n`)
console.log(`wrote ${target.pathname}`)
