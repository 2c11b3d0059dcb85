/**
 * The GitHub Actions job summary: the Markdown report appended to `$GITHUB_STEP_SUMMARY`, kept under GitHub's
 * 1 MiB limit per step by cutting whole sections from the end and saying what was cut.
 */
import { appendFileSync, existsSync, statSync } from "node:fs"

export const STEP_SUMMARY_LIMIT = 1024 * 1024

/** The Markdown cut to fit in `budget` bytes, at a section boundary, with a note of what was left out. */
export const fitSummary = (markdown: string, budget: number): string => {
  if (Buffer.byteLength(markdown) <= budget) return markdown
  const sections = markdown.split(/(?=^## )/m)
  const note = (cut: ReadonlyArray<string>) =>
    `\n> [!NOTE]\n> Cut to fit the job summary's 1 MiB limit: ${cut.length} section(s) left out (${
      cut.map((s) => s.split("\n")[0]!.replace(/^#+\s*/, "")).join(", ")
    }). The full report is in the reports artifact (audit.md, audit.xlsx, findings.json).\n`
  for (let keep = sections.length - 1; keep >= 1; keep--) {
    const text = sections.slice(0, keep).join("") + note(sections.slice(keep))
    if (Buffer.byteLength(text) <= budget) return text
  }
  // Even the first section is too long: cut it by characters.
  const tail = note(sections.slice(1))
  let head = sections[0]!.slice(0, Math.max(0, budget - Buffer.byteLength(tail) - 64))
  while (Buffer.byteLength(head) + Buffer.byteLength(tail) > budget) head = head.slice(0, -1024)
  return `${head}\n${tail}`
}

/** Appends the report to the step summary file, within what is left of its limit. */
export const appendStepSummary = (path: string, markdown: string): void => {
  const used = existsSync(path) ? statSync(path).size : 0
  const budget = Math.max(0, STEP_SUMMARY_LIMIT - used - 1)
  if (budget < 1024) return
  appendFileSync(path, `${fitSummary(markdown, budget)}\n`)
}
