/** Regenerates docs/findings.schema.json from the findings.json Schema (a test fails when it is stale). */
import { writeFileSync } from "node:fs"
import { findingsJsonSchema } from "../src/reports/FindingsJson.js"

const target = new URL("../docs/findings.schema.json", import.meta.url)
writeFileSync(target, `${JSON.stringify(findingsJsonSchema(), null, 2)}\n`)
console.log(`wrote ${target.pathname}`)
