/** The tool's version, as recorded in every run row and report. */
import { readFileSync } from "node:fs"

export const toolVersion: string =
  (JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }).version
