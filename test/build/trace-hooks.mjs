// Module hooks (registered by trace-loads.mjs): every module the process loads, one URL a line, to LOADED_MODULES_FILE.
import { appendFileSync } from "node:fs"

export async function load(url, context, nextLoad) {
  appendFileSync(process.env.LOADED_MODULES_FILE, `${url}\n`)
  return nextLoad(url, context)
}
