// Node module hooks: `import sql from "./views.sql"` gives the file's text, as the build and vitest do.
import { readFile } from "node:fs/promises"

export async function load(url, context, nextLoad) {
  if (!url.endsWith(".sql")) return nextLoad(url, context)
  const text = await readFile(new URL(url), "utf8")
  return { format: "module", source: `export default ${JSON.stringify(text)};`, shortCircuit: true }
}
