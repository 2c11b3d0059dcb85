/** Regenerates docs/remediation-plan.schema.json from the plan file's Schema (a test fails when it is stale). */
import { writeFileSync } from "node:fs"
import { planJsonSchema } from "../src/remediation/PlanFile.js"

const target = new URL("../docs/remediation-plan.schema.json", import.meta.url)
writeFileSync(target, `${JSON.stringify(planJsonSchema(), null, 2)}\n`)
console.log(`wrote ${target.pathname}`)
