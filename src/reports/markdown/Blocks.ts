/** The Markdown building blocks the sections share: tables, folded details, per-section caps. */
import { htmlText, mdCell } from "../Text.js"

/** A GFM table; every cell goes through `mdCell` unless it is already Markdown (`Raw`). */
export class Raw {
  constructor(readonly markdown: string) {}
}

const cellOf = (value: unknown) => (value instanceof Raw ? value.markdown : mdCell(value))

export const table = (headers: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<unknown>>): string =>
  [
    `| ${headers.join(" | ")} |`,
    `| ${headers.map(() => "---").join(" | ")} |`,
    ...rows.map((row) => `| ${row.map(cellOf).join(" | ")} |`)
  ].join("\n")

/** A folded block: the summary line shows, the body opens on a click (GitHub renders Markdown inside). */
export const details = (summary: string, body: string): string =>
  `<details>\n<summary>${htmlText(summary)}</summary>\n\n${body}\n\n</details>`

/** At most `cap` rows, and a line saying how many more the workbook has. */
export const capped = <A>(
  rows: ReadonlyArray<A>,
  cap: number,
  what: string
): { rows: ReadonlyArray<A>; more: string } =>
  rows.length <= cap
    ? { rows, more: "" }
    : { rows: rows.slice(0, cap), more: `\n\n_${rows.length - cap} more ${what} in audit.xlsx._` }

/** Blocks separated by blank lines, empty ones left out. */
export const blocks = (...parts: ReadonlyArray<string | null | undefined | false>): string =>
  parts.filter((p): p is string => typeof p === "string" && p !== "").join("\n\n")
