/**
 * `index.html`: the evidence pack as one self-contained page. CSS and the chart (SVG) are inline, there is no script,
 * and a Content-Security-Policy forbids loading anything, so the page opens the same offline, from a zip, years
 * later. Printed (or saved as PDF from any browser), each section starts a page, table headers repeat on every page
 * and rows are not split. Every string from the API is data: escaped for HTML, one line, control and bidirectional
 * characters shown as visible escapes, long values cut on the page (the CSV files have every character).
 */
import { workspaceLabel } from "../reports/ReportData.js"
import { oneLine } from "../reports/Text.js"
import type { EvidenceData } from "./EvidenceData.js"
import type { Cell, Section, Table } from "./Sections.js"

/** The longest value the page shows whole. */
const CUT = 300
/** The most rows a table shows on the page; every row is in its CSV file. */
export const PAGE_ROWS = 500

const ENTITIES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#39;" }

/** Any string as HTML text (or an attribute value in double quotes): it shows as itself, never as markup. */
export const escapeHtml = (value: string): string => {
  const line = oneLine(value)
  const chars = Array.from(line)
  const cut = chars.length <= CUT ? line : `${chars.slice(0, CUT - 1).join("")}…`
  return cut.replace(/[&<>"']/g, (c) => ENTITIES[c]!)
}

const ISO_TIME = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(:\d{2}(\.\d+)?)?Z$/

/** A cell's text: a time as `2026-03-31 09:00` (its header says UTC), a number with separators, nothing as a dash. */
const cellText = (value: Cell): string => {
  if (value === null || value === "") return "–"
  if (typeof value === "number") return value.toLocaleString("en-US")
  const time = ISO_TIME.exec(value)
  return time ? `${time[1]} ${time[2]}` : escapeHtml(value)
}

/** Values that get a coloured tag on the page (a fixed list: no API string becomes a class name). */
const TAGS = new Set([
  "complete",
  "incomplete",
  "failed",
  "critical",
  "high",
  "medium",
  "low",
  "info",
  "joined",
  "left",
  "role changed",
  "joined and left",
  "granted",
  "revoked",
  "verified",
  "reverted",
  "pending",
  "signed off",
  "open",
  "active",
  "expired"
])
const TAG_COLUMNS = new Set(["Status", "Severity", "Granted or revoked", "Verification", "Carried out"])

/** Short values (a date, a role, a rule id) never break inside; long ones (names, details) wrap where they must. */
const SHORT = 24

/** A cell of a table; in a card (`inCard`) numbers are not right-aligned, since they stand alone beside their label. */
const cellHtml = (header: string, value: Cell, inCard = false): string => {
  if (typeof value === "number") {
    return inCard
      ? `<td>${cellText(value)}</td>`
      : `<td class="num">${cellText(value)}</td>`
  }
  if (typeof value === "string" && /hash/i.test(header) && /^[0-9a-f]{64}$/.test(value)) {
    return `<td><code class="hash" title="${value}">${value.slice(0, 12)}…</code></td>`
  }
  if (typeof value === "string" && TAG_COLUMNS.has(header) && TAGS.has(value)) {
    return `<td><span class="tag tag-${value.replace(/ /g, "-")}">${value}</span></td>`
  }
  if (typeof value === "string" && (ISO_TIME.test(value) || (value.length <= SHORT && !/\s/.test(value)))) {
    return `<td class="short">${cellText(value)}</td>`
  }
  return `<td>${cellText(value)}</td>`
}

/** The columns the page shows: not the ids (the CSV has them) nor those the table leaves to its CSV. */
const shownColumns = (table: Table) =>
  table.headers.flatMap((h, i) => (/ id$/.test(h) || (table.pageHidden ?? []).includes(h) ? [] : [i]))

const captionHtml = (table: Table) =>
  `<caption>${escapeHtml(table.caption)} <span class="count">(${table.rows.length.toLocaleString("en-US")} ${
    table.rows.length === 1 ? "row" : "rows"
  }; <a href="${table.file}">${table.file}</a>)</span></caption>`

/** A few wide records: each a two-column table of header and value (the scope, a review campaign). */
const cardsHtml = (table: Table, columns: ReadonlyArray<number>): string => {
  if (table.headers.length === 2 && table.headers[0] === "Fact") {
    return [
      `<table class="kv">`,
      captionHtml(table),
      `<tbody>`,
      ...table.rows.map((r) =>
        `<tr><th scope="row">${cellText(r[0] ?? null)}</th>${cellHtml("Value", r[1] ?? null, true)}</tr>`
      ),
      `</tbody>`,
      `</table>`
    ].join("\n")
  }
  return [
    `<table class="kv">`,
    captionHtml(table),
    ...(table.rows.length === 0 ? [`<tbody><tr><td class="empty">None.</td></tr></tbody>`] : []),
    ...table.rows.slice(0, PAGE_ROWS).map((row) =>
      [
        `<tbody class="card">`,
        ...(table.rows.length > 1
          ? [
            `<tr class="card-head"><th colspan="2">${escapeHtml(table.headers[0]!)} ${
              cellText(row[0] ?? null)
            }</th></tr>`
          ]
          : []),
        ...columns.map((i) =>
          `<tr><th scope="row">${escapeHtml(table.headers[i]!)}</th>${
            cellHtml(table.headers[i]!, row[i] ?? null, true)
          }</tr>`
        ),
        `</tbody>`
      ].join("\n")
    ),
    `</table>`
  ].join("\n")
}

const tableHtml = (table: Table): string => {
  const columns = shownColumns(table)
  if (table.layout === "cards") return cardsHtml(table, columns)
  const shown = table.rows.slice(0, PAGE_ROWS)
  const more = table.rows.length - shown.length
  return [
    `<table>`,
    captionHtml(table),
    `<thead><tr>${columns.map((i) => `<th scope="col">${escapeHtml(table.headers[i]!)}</th>`).join("")}</tr></thead>`,
    `<tbody>`,
    ...(shown.length === 0
      ? [`<tr><td class="empty" colspan="${columns.length}">None.</td></tr>`]
      : shown.map((row) => `<tr>${columns.map((i) => cellHtml(table.headers[i]!, row[i] ?? null)).join("")}</tr>`)),
    `</tbody>`,
    `</table>`,
    ...(more > 0
      ? [
        `<p class="more">The first ${PAGE_ROWS.toLocaleString("en-US")} rows are shown; all ${
          table.rows.length.toLocaleString("en-US")
        } are in ${table.file}.</p>`
      ]
      : [])
  ].join("\n")
}

const controlsHtml = (section: Section) =>
  `<ul class="controls" aria-label="Controls">${
    section.controls.map((c) =>
      `<li title="${escapeHtml(c.name)}"><span class="framework">${c.framework}</span> <strong>${c.id}</strong></li>`
    ).join("")
  }</ul>`

const factsHtml = (section: Section) =>
  section.facts.length === 0
    ? ""
    : `<dl class="facts">${
      section.facts.map(([k, v]) => `<div><dt>${escapeHtml(k)}</dt><dd>${cellText(v)}</dd></div>`).join("")
    }</dl>`

/** Raw control and bidirectional characters in the chart's text, as visible escapes (Vega escapes the markup). */
const CHART_CONTROL =
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g
const safeSvg = (svg: string) =>
  svg.replace(CHART_CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`)
    // Nothing in a chart may load or run anything; Vega draws none of these, so any would be out of place.
    .replace(/<\s*(script|foreignObject|image|use)\b[^>]*>/gi, "")

const sectionHtml = (section: Section, n: number, chart: string | null) =>
  [
    `<section class="evidence" id="${section.id}" aria-labelledby="${section.id}-title">`,
    `<h2 id="${section.id}-title"><span class="n">${n}</span> ${escapeHtml(section.title)}</h2>`,
    controlsHtml(section),
    `<p class="purpose">${escapeHtml(section.purpose)}</p>`,
    ...section.warnings.map((w) => `<p class="warning"><strong>Note:</strong> ${escapeHtml(w)}</p>`),
    factsHtml(section),
    ...(section.none !== null
      ? [`<p class="none">${escapeHtml(section.none)}</p>`]
      : [
        ...(chart === null
          ? []
          : [
            `<figure class="chart">${
              safeSvg(chart)
            }<figcaption>The plan's seats over the period: used (people; robots use none) against the limit. Every dimension of the plan is charted in audit.xlsx.</figcaption></figure>`
          ]),
        ...section.tables.map(tableHtml)
      ]),
    `</section>`
  ].filter((l) => l !== "").join("\n")

const CSS = `
:root { --ink: #1f2328; --muted: #59636e; --line: #d1d9e0; --head: #1f3a5f; --zebra: #f6f8fa; --accent: #0969da; }
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { margin: 0; color: var(--ink); background: #fff; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", "Liberation Sans", Arial, sans-serif; }
main { max-width: 1200px; margin: 0 auto; padding: 24px 32px 64px; }
header.cover { border-bottom: 3px solid var(--head); padding-bottom: 16px; margin-bottom: 16px; }
header.cover .kicker { text-transform: uppercase; letter-spacing: .08em; font-size: 12px; color: var(--muted); margin: 0; }
h1 { font-size: 28px; margin: 4px 0 6px; overflow-wrap: anywhere; }
header.cover .period { font-size: 16px; margin: 0 0 12px; }
h2 { font-size: 21px; margin: 0 0 8px; color: var(--head); break-after: avoid; }
h2 .n { display: inline-block; min-width: 1.6em; color: var(--muted); }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 0; font-size: 13px; }
dl.meta dt { color: var(--muted); }
dl.meta dd { margin: 0; overflow-wrap: anywhere; }
nav.toc { margin: 16px 0 8px; }
nav.toc ol { columns: 2; margin: 0; padding-left: 20px; }
nav.toc a { color: var(--accent); text-decoration: none; }
nav.toc .ids { color: var(--muted); font-size: 12px; }
section.evidence { margin-top: 36px; padding-top: 8px; border-top: 1px solid var(--line); }
ul.controls { list-style: none; padding: 0; margin: 0 0 8px; display: flex; flex-wrap: wrap; gap: 6px; font-size: 12px; }
ul.controls li { border: 1px solid var(--line); border-radius: 4px; padding: 2px 8px; background: var(--zebra); }
ul.controls .framework { color: var(--muted); }
p.purpose { margin: 4px 0 10px; max-width: 900px; }
p.warning { background: #fff8c5; border-left: 4px solid #d4a72c; padding: 6px 10px; margin: 8px 0; }
p.none { background: var(--zebra); border: 1px dashed var(--line); padding: 10px 12px; font-style: italic; }
dl.facts { display: flex; flex-wrap: wrap; gap: 8px; margin: 10px 0 14px; }
dl.facts div { border: 1px solid var(--line); border-radius: 6px; padding: 6px 12px; min-width: 140px; }
dl.facts dt { font-size: 12px; color: var(--muted); }
dl.facts dd { margin: 0; font-size: 18px; font-weight: 600; overflow-wrap: anywhere; }
table { border-collapse: collapse; width: 100%; margin: 8px 0 18px; font-size: 12px; }
caption { text-align: left; font-weight: 600; padding: 4px 0; caption-side: top; }
caption .count { font-weight: normal; color: var(--muted); }
th { background: var(--head); color: #fff; text-align: left; font-weight: 600; padding: 5px 6px; vertical-align: bottom; }
td { padding: 4px 6px; border-bottom: 1px solid var(--line); vertical-align: top; overflow-wrap: anywhere; }
td.short { overflow-wrap: normal; }
tbody tr:nth-child(even) td { background: var(--zebra); }
td.short { white-space: nowrap; }
table.kv { width: auto; min-width: 50%; }
table.kv th[scope="row"] { background: var(--zebra); color: var(--ink); font-weight: 600; width: 22em; border-bottom: 1px solid var(--line); vertical-align: top; }
table.kv tbody.card + tbody.card tr.card-head th { border-top: 12px solid #fff; }
table.kv tr.card-head th { background: var(--head); color: #fff; }
table.kv tbody tr:nth-child(even) td { background: none; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.empty { color: var(--muted); font-style: italic; }
code.hash { font: 11px ui-monospace, "DejaVu Sans Mono", monospace; }
p.more { color: var(--muted); font-size: 12px; }
.tag { display: inline-block; border-radius: 10px; padding: 0 8px; font-size: 11px; font-weight: 600; white-space: nowrap; border: 1px solid transparent; }
.tag-complete, .tag-verified, .tag-signed-off, .tag-joined, .tag-granted { background: #dafbe1; color: #116329; }
.tag-incomplete, .tag-pending, .tag-open, .tag-role-changed, .tag-medium, .tag-joined-and-left { background: #fff1e5; color: #953800; }
.tag-failed, .tag-high, .tag-left, .tag-revoked, .tag-reverted { background: #ffebe9; color: #a40e26; }
.tag-active { background: #dafbe1; color: #116329; }
.tag-expired { background: #eaeef2; color: #424a53; }
.tag-critical { background: #fbefff; color: #6e40c9; }
.tag-low { background: #fff8c5; color: #7d4e00; }
.tag-info { background: #ddf4ff; color: #0a3069; }
figure.chart { margin: 8px 0 16px; }
figure.chart svg { max-width: 100%; height: auto; }
figure.chart figcaption { font-size: 12px; color: var(--muted); }
footer { margin-top: 40px; color: var(--muted); font-size: 12px; border-top: 1px solid var(--line); padding-top: 8px; }
@page { size: A4 landscape; margin: 12mm; }
@media print {
  body { font-size: 11px; }
  main { max-width: none; padding: 0; }
  nav.toc ol { columns: 3; }
  section.evidence { break-before: page; border-top: none; margin-top: 0; padding-top: 0; }
  table { font-size: 9.5px; }
  thead { display: table-header-group; }
  tr, dl.facts div, figure.chart { break-inside: avoid; }
  caption, h2, ul.controls, p.purpose { break-after: avoid; }
  a { color: inherit; text-decoration: none; }
}
`

export const renderHtml = (data: EvidenceData, sections: ReadonlyArray<Section>, chartSvg: string | null): string => {
  const { report, scope, head } = data
  const ws = escapeHtml(workspaceLabel(report.run))
  const first = report.baseline ?? report.run
  const period = scope.dates === null
    ? escapeHtml(scope.label)
    : `${escapeHtml(scope.label)} (${scope.dates.start} to ${scope.dates.end})`
  const meta: ReadonlyArray<readonly [string, string]> = [
    [
      "Workspace",
      `${ws} <span class="muted">(${escapeHtml(report.run.source)}, ${escapeHtml(report.run.workspace_id)})</span>`
    ],
    [
      "Covered by",
      `run ${first.run_id} (${cellText(first.started_at)} UTC) to run ${report.run.run_id} (${
        cellText(report.run.started_at)
      } UTC): ${data.runs.length} runs`
    ],
    ["Integrity chain head", `run ${head.run_id}: <code>${escapeHtml(head.content_hash ?? "(not sealed)")}</code>`],
    ["Tool version", escapeHtml(report.run.tool_version ?? "unknown")],
    ["Files", "every table below is also a CSV file beside this page; manifest.json holds each file's SHA-256"]
  ]
  return [
    "<!doctype html>",
    `<html lang="en">`,
    "<head>",
    `<meta charset="utf-8">`,
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`,
    `<meta name="viewport" content="width=device-width, initial-scale=1">`,
    `<meta name="generator" content="ptolemy-audit ${escapeHtml(report.run.tool_version ?? "")}">`,
    `<title>Access evidence: ${ws}, ${escapeHtml(scope.label)}</title>`,
    `<style>${CSS}</style>`,
    "</head>",
    "<body>",
    "<main>",
    `<header class="cover">`,
    `<p class="kicker">Access evidence pack</p>`,
    `<h1>${ws}</h1>`,
    `<p class="period">Period ${period}</p>`,
    `<dl class="meta">${meta.map(([k, v]) => `<dt>${k}</dt><dd>${v}</dd>`).join("")}</dl>`,
    `</header>`,
    `<nav class="toc" aria-label="Sections"><ol>${
      sections.map((s) =>
        `<li><a href="#${s.id}">${escapeHtml(s.title)}</a> <span class="ids">${
          s.controls.map((c) => c.id).join(", ")
        }</span></li>`
      ).join("")
    }</ol></nav>`,
    ...sections.map((s, i) => sectionHtml(s, i + 1, s.id === "completeness" ? chartSvg : null)),
    `<footer>Generated by ptolemy-audit from the stored history alone (no API call). Verify this pack offline: <code>ptolemy-audit verify --evidence DIR|ZIP [--db FILE]</code>.</footer>`,
    "</main>",
    "</body>",
    "</html>",
    ""
  ].join("\n")
}
