/**
 * The GitHub Actions job summary: the Markdown report appended to `$GITHUB_STEP_SUMMARY`, kept under GitHub's
 * 1 MiB limit per step by cutting whole sections from the end and saying what was cut.
 */
import { FileSystem } from "@effect/platform"
import type { PlatformError } from "@effect/platform/Error"
import { Effect } from "effect"

export const STEP_SUMMARY_LIMIT = 1024 * 1024

const bytes = (text: string) => Buffer.byteLength(text)

/** The longest prefix of `text` that fits in `budget` bytes, never splitting a character. */
const prefixWithin = (text: string, budget: number): string => {
  if (budget <= 0) return ""
  const { read } = new TextEncoder().encodeInto(text, new Uint8Array(budget))
  return text.slice(0, read)
}

const FULL_REPORT = "The full report is in the reports artifact (audit.md, audit.xlsx, findings.json)."

/** The Markdown cut to fit in `budget` bytes, at a section boundary, with a note of what was left out. */
export const fitSummary = (markdown: string, budget: number): string => {
  if (bytes(markdown) <= budget) return markdown
  const sections = markdown.split(/(?=^## )/m)
  const title = (section: string) => section.split("\n")[0]!.replace(/^#+\s*/, "")
  const note = (cut: ReadonlyArray<string>) =>
    `\n> [!NOTE]\n> Cut to fit the job summary's 1 MiB limit: ${cut.length} section(s) left out (${
      cut.map(title).join(", ")
    }). ${FULL_REPORT}\n`
  for (let keep = sections.length - 1; keep >= 1; keep--) {
    const text = sections.slice(0, keep).join("") + note(sections.slice(keep))
    if (bytes(text) <= budget) return text
  }
  // Even the first section is too long: keep what fits of it, up to a line end, and close an open code block.
  const tail = `\n> [!NOTE]\n> Cut to fit the job summary's 1 MiB limit: the report was truncated. ${FULL_REPORT}\n`
  if (bytes(tail) > budget) return prefixWithin(tail, budget)
  let head = prefixWithin(sections[0]!, budget - bytes(tail) - 5)
  head = head.slice(0, head.lastIndexOf("\n") + 1)
  if ((head.match(/^```/gm) ?? []).length % 2 === 1) head += "```\n"
  return head + tail
}

/** Appends the report to the step summary file, within what is left of its limit (earlier steps' text counts). */
export const appendStepSummary = (
  path: string,
  markdown: string
): Effect.Effect<void, PlatformError, FileSystem.FileSystem> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const used = (yield* fs.exists(path)) ? Number((yield* fs.stat(path)).size) : 0
    // The trailing newline separates this report from whatever a later step appends.
    const budget = STEP_SUMMARY_LIMIT - used - 1
    if (budget <= 0) return
    const text = fitSummary(markdown, budget)
    if (text !== "") yield* fs.writeFileString(path, `${text}\n`, { flag: "a" })
  })
