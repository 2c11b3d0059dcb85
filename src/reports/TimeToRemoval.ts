/**
 * The "Time to removal" section of a period report: for each leaver of the window, the days from leaving to the
 * removal of their access (or so far, for one still holding it), and the share removed within the target. Rendered
 * from the read model alone; `cell` is the report's own escaping of a table cell (names and emails are data).
 */
import type { RemovalRow, TimeToRemoval } from "../read/Directory.js"

const days = (n: number) => `${n} day${n === 1 ? "" : "s"}`

const percent = (share: number) => `${Math.round(share * 100)}%`

/** One sentence: "3 leavers: 2 removed, 1 within the target of 1 day (33%)." */
export const timeToRemovalSummary = (result: TimeToRemoval): string =>
  result.leavers === 0
    ? "No leaver held access in this window (according to the people directory)."
    : `${result.leavers} leaver${
      result.leavers === 1 ? "" : "s"
    }: ${result.removed} removed, ${result.withinTarget} within the target of ${days(result.targetDays)} (${
      percent(result.share ?? 0)
    }); ${result.leavers - result.removed} still had access at the end of the window.`

const row = (r: RemovalRow, cell: (value: string | number | null) => string) =>
  `| ${cell(r.email ?? r.display_name ?? r.member_id)} | ${cell(r.left_on)}${
    r.left_on_inferred ? " (first seen)" : ""
  } | ${r.removed ? cell(r.removed_at?.slice(0, 10) ?? null) : "still has access"} | ${
    r.removed ? cell(r.days) : `${cell(r.days)} so far`
  } | ${r.within_target === true ? "yes" : "no"} |`

/** The section as GitHub Markdown: a heading, the summary, and a table of every leaver. */
export const timeToRemovalMarkdown = (
  result: TimeToRemoval,
  cell: (value: string | number | null) => string,
  heading = "## Time to removal"
): string =>
  [
    heading,
    "",
    timeToRemovalSummary(result),
    ...(result.rows.length === 0
      ? []
      : [
        "",
        "| person | left | removed | days | within target |",
        "|---|---|---|---:|---|",
        ...result.rows.map((r) => row(r, cell))
      ])
  ].join("\n")
