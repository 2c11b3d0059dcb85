/**
 * The quota trend as a Mermaid chart for GitHub: the share of each limit used over the window, one line per
 * dimension, at most 8 points (so at most 8 x labels), colours that read on GitHub's light and dark themes, and a
 * legend under it (Mermaid's xychart has none) whose coloured squares match the lines.
 */
import type { QuotaPoint, ReportData } from "../ReportData.js"
import { mdText } from "../Text.js"

/** Mid-tone colours (GitHub's own palette) that keep their contrast on a white and on a near-black page. */
const PALETTE: ReadonlyArray<readonly [string, string]> = [
  ["#2f81f7", "🟦"],
  ["#f0883e", "🟧"],
  ["#3fb950", "🟩"],
  ["#a371f7", "🟪"],
  ["#f85149", "🟥"],
  ["#d29922", "🟨"],
  ["#a0522d", "🟫"]
]
export const MAX_POINTS = 8

/** At most `n` of `all`, evenly spread, always ending at the last. */
export const spread = <A>(all: ReadonlyArray<A>, n: number): ReadonlyArray<A> => {
  if (all.length <= n) return all
  const step = (all.length - 1) / (n - 1)
  return Array.from({ length: n }, (_, i) => all[Math.round(i * step)]!)
}

const label = (at: string, sameYear: boolean) => (sameYear ? at.slice(5, 10) : at.slice(0, 10))

export const quotaTrendChart = (data: ReportData): string | null => {
  const limited = new Map<string, Array<QuotaPoint>>()
  for (const p of data.quotaHistory) {
    if (p.used === null || p.limit === null || p.limit <= 0) continue
    limited.set(p.dimension, [...(limited.get(p.dimension) ?? []), p])
  }
  const runs = [...new Map(data.quotaHistory.map((p) => [p.run_id, p.started_at])).entries()].sort(([a], [b]) => a - b)
  if (runs.length < 2 || limited.size === 0) return null
  // One label per day at most: several runs on a day would repeat a label, which the chart would merge.
  const byDay = [...new Map(runs.map(([id, at]) => [at.slice(0, 10), [id, at] as const])).values()]
  const points = spread(byDay, MAX_POINTS)
  const sameYear = points[0]![1].slice(0, 4) === points[points.length - 1]![1].slice(0, 4)
  const dimensions = [...limited.keys()].sort().slice(0, PALETTE.length)
  const share = (dimension: string, runId: number) => {
    const p = limited.get(dimension)!.find((q) => q.run_id === runId)
    return p === undefined ? 0 : Math.round((p.used! / p.limit!) * 1000) / 10
  }
  const lines = dimensions.map((d) => points.map(([id]) => share(d, id)))
  const top = Math.max(100, Math.ceil(Math.max(...lines.flat()) / 10) * 10)
  const palette = PALETTE.slice(0, dimensions.length).map(([colour]) => colour).join(", ")
  return [
    "```mermaid",
    `%%{init: {"themeVariables": {"xyChart": {"plotColorPalette": "${palette}"}}}}%%`,
    "xychart-beta",
    `  title "Share of each limit used (%)"`,
    `  x-axis [${points.map(([, at]) => `"${label(at, sameYear)}"`).join(", ")}]`,
    `  y-axis "% of limit" 0 --> ${top}`,
    ...lines.map((values) => `  line [${values.join(", ")}]`),
    "```",
    "",
    dimensions.map((d, i) => `${PALETTE[i]![1]} ${mdText(d)}`).join(" · ") +
    " (dates in UTC; audit.xlsx has each dimension's chart with its forecast)"
  ].join("\n")
}
