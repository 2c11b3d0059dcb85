/**
 * Strings from the API (names, emails, URLs, dimension names, the workspace's name) are data: each is escaped for
 * the context it is written into, so that nothing in it can become Markdown, HTML, a link, a Mermaid statement or an
 * invalid workbook cell. Every function here takes any string and returns text that shows that string, no more.
 */

/** Any line break: a heading or a table row would end at each of them. */
const LINE_BREAKS = /\r\n|[\n\r\u000b\u000c\u0085\u2028\u2029]/g

/**
 * Control characters and the format characters that reorder text on screen (bidirectional marks, embeddings,
 * overrides, isolates): shown as visible escapes, never passed on.
 */
const CONTROL = /[\u0000-\u0008\u000e-\u001f\u007f-\u0084\u0086-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g

const hex = (code: number, digits: number) => code.toString(16).padStart(digits, "0")
const visible = (char: string) => {
  const code = char.charCodeAt(0)
  return code <= 0xff ? `\\x${hex(code, 2)}` : `\\u${hex(code, 4)}`
}

/** One line of plain text: line breaks and tabs as spaces, control characters visible. */
export const oneLine = (text: string): string =>
  text.replace(LINE_BREAKS, " ").replace(/\t/g, " ").replace(CONTROL, visible)

/**
 * ASCII punctuation that can start Markdown or HTML inline anywhere in a line: emphasis, code, links and images,
 * autolinks (`:` of a scheme, `@` of an email), raw HTML and entities, tables, strikethrough, math (`$`), emoji
 * (`:`), mentions and references (`@`, `#`). CommonMark lets a backslash escape any ASCII punctuation character, so
 * each shows as itself. `.` matters only in a `www.` autolink, and `-`, `=` and a number's `.` or `)` only at the
 * start of a line (lists, headings, rules): those are escaped there alone, so that names and dates stay readable.
 */
const MARKDOWN_PUNCTUATION = /[\\`*_{}[\]()<>#+!|~$&:@^]/g
const WWW_DOT = /(?<=\bwww)\./gi
const LINE_START = /^(\s*)(\d+[.)]|[-=])/

/** Digits, spaces and `:.,-%`: a date, a time or a number, which no Markdown construct can start from. */
const PLAIN = /^[\d :.,%\-–]*$/

/** The longest value the Markdown shows whole (the workbook and the JSON have every character). */
export const MD_TEXT_LIMIT = 300

const shortened = (text: string) => {
  const chars = Array.from(text)
  return chars.length <= MD_TEXT_LIMIT ? text : `${chars.slice(0, MD_TEXT_LIMIT - 1).join("")}…`
}

/** Text for Markdown inline content within a line (a heading's text, a table cell, link text, a list item's text). */
export const mdText = (text: string): string => {
  const short = shortened(text)
  return oneLine(PLAIN.test(short) ? short : short.replace(MARKDOWN_PUNCTUATION, "\\$&").replace(WWW_DOT, "\\."))
}

/** Text that starts a line of its own (a paragraph): also no list, heading underline or rule at its start. */
export const mdLine = (text: string): string =>
  mdText(text).replace(
    LINE_START,
    (_, space: string, mark: string) => `${space}${mark.slice(0, -1)}\\${mark.slice(-1)}`
  )

/** A table cell: a value as text, or an en dash for nothing. */
export const mdCell = (value: unknown): string =>
  value === null || value === undefined || value === ""
    ? "–"
    : typeof value === "number"
    ? String(value)
    : mdText(String(value))

/**
 * A code span: a fence one backtick longer than any run of backticks inside, padded when the text starts or ends
 * with one. In a GFM table a pipe ends the cell even inside a code span, so there it is escaped (GFM removes the
 * backslash).
 */
export const mdCode = (text: string, options: { readonly inTable?: boolean } = {}): string => {
  let body = oneLine(text)
  if (options.inTable === true) body = body.replace(/\|/g, "\\|")
  const longest = Math.max(0, ...(body.match(/`+/g) ?? []).map((run) => run.length))
  const fence = "`".repeat(longest + 1)
  const pad = /^[`\s]|[`\s]$/.test(body) ? " " : ""
  return `${fence}${pad}${body}${pad}${fence}`
}

/** Text inside an HTML element we write (`<summary>`): the five characters HTML gives meaning to, as entities. */
export const htmlText = (text: string): string =>
  oneLine(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(
    /'/g,
    "&#39;"
  )

/**
 * A label inside a Mermaid chart (a quoted title or axis label): letters, digits, spaces and `_-.,:/()+` only.
 * Anything else (a quote ending the string, `%%` directives, `#` entities, `;`, backticks that could close the
 * fence) becomes `?`; at most 40 characters.
 */
export const mermaidLabel = (text: string): string => {
  const safe = oneLine(text).replace(/[^\p{L}\p{N} _\-.,:/()+]/gu, "?")
  const chars = Array.from(safe)
  return chars.length > 40 ? `${chars.slice(0, 39).join("")}…` : safe
}

/** The most characters Excel accepts in a cell. */
export const EXCEL_CELL_LIMIT = 32_767

/**
 * A workbook cell's text: characters XML 1.0 cannot hold (most C0 controls, U+FFFE, U+FFFF, unpaired surrogates)
 * and those that reorder text shown as visible escapes; newlines and tabs kept; cut to Excel's limit with a marker
 * that says how long the value was.
 */
export const cellText = (text: string): string => {
  const safe = text
    .replace(/\r\n?/g, "\n")
    .replace(CONTROL, visible)
    .replace(/[\u000b\u000c]/g, visible)
    .replace(
      /[\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g,
      (char) => visible(char)
    )
  if (safe.length <= EXCEL_CELL_LIMIT) return safe
  const marker = ` … [cut: ${safe.length.toLocaleString("en-US")} characters in all, see findings.json or the database]`
  let head = safe.slice(0, EXCEL_CELL_LIMIT - marker.length)
  // Never end on half a surrogate pair.
  if (/[\ud800-\udbff]$/.test(head)) head = head.slice(0, -1)
  return head + marker
}
