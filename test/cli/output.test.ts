import { describe, expect, it } from "vitest"
import { jsonText, printable, render, toCsv, toTable } from "../../src/cli/Output.js"

const ESC = "\u001b"
/** Every C0 control, DEL, every C1 control, and the bidi and line-separator format characters. */
const controls = [
  ...Array.from({ length: 0x20 }, (_, i) => String.fromCharCode(i)),
  "\u007f",
  ...Array.from({ length: 0x20 }, (_, i) => String.fromCharCode(0x80 + i)),
  "\u061c",
  "\u200e",
  "\u200f",
  "\u2028",
  "\u2029",
  "\u202a",
  "\u202b",
  "\u202c",
  "\u202d",
  "\u202e",
  "\u2066",
  "\u2067",
  "\u2068",
  "\u2069"
]
const anyControl = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/

describe("text for a terminal", () => {
  it("shows every control character as a visible escape, never the character itself", () => {
    for (const c of controls) {
      const shown = printable(`a${c}b`)
      expect(shown, `U+${c.charCodeAt(0).toString(16)}`).not.toMatch(anyControl)
      expect(shown.startsWith("a\\")).toBe(true)
    }
    expect(printable(`${ESC}]0;pwned${"\u0007"}`)).toBe("\\x1b]0;pwned\\x07")
    expect(printable("\u202eevil")).toBe("\\u202eevil")
    // Ordinary text, accents and emoji pass untouched.
    expect(printable("Zoë Ünal 👩‍💻 日本")).toBe("Zoë Ünal 👩‍💻 日本")
    expect(printable("two\nlines\tand tab", { keepLineBreaks: true })).toBe("two\nlines\tand tab")
    expect(printable("two\nlines")).toBe("two\\x0alines")
  })

  it("a table never carries a control character, and clipping never cuts inside an escape or a character", () => {
    const hyperlink = `${ESC}]8;;https://phish.invalid${ESC}\\click${ESC}]8;;${ESC}\\`
    const long = `${"x".repeat(57)}${ESC}[2J${"y".repeat(10)}`
    const out = toTable({
      columns: ["name", "n"],
      rows: [{ name: hyperlink, n: 1 }, { name: long, n: 2 }, { name: `${"z".repeat(58)}😀😀😀`, n: 3 }]
    })
    for (const line of out.split("\n")) expect(line).not.toMatch(anyControl)
    expect(out).toContain("\\x1b]8;;https://phish.invalid\\x1b\\click")
    // 57 x's, then the whole escape "\x1b" as one unit, then the ellipsis: 60 units.
    expect(out).toContain(`${"x".repeat(57)}\\x1b[…`)
    expect(out).not.toContain("\uFFFD")
    expect(out).toContain(`${"z".repeat(58)}😀…`)
  })

  it("JSON escapes C0 as JSON.stringify does, and C1 and format characters too, still as the same value", () => {
    const value = [{ name: `a${ESC}[31mb\u009bc\u202ed` }]
    const text = jsonText(value)
    for (const line of text.split("\n")) expect(line).not.toMatch(anyControl)
    expect(JSON.parse(text)).toEqual(value)
    expect(render("json", { columns: ["name"], rows: value }).replace(/\n/g, "")).not.toMatch(anyControl)
  })
})

describe("CSV", () => {
  const hostile = [
    "=HYPERLINK(\"https://phish.invalid\",\"click\")",
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1)",
    "\tTAB",
    "\rCR"
  ]

  it("neutralises every cell a spreadsheet would evaluate (OWASP) and keeps numbers as numbers", () => {
    const csv = toCsv({
      columns: ["v"],
      rows: [...hostile.map((v) => ({ v })), { v: -5 }, { v: "-5" }, { v: "+1.5" }, { v: "a=b" }]
    })
    const cells = csv.split("\r\n").slice(1, -1)
    expect(cells.slice(0, 6)).toEqual([
      "\"'=HYPERLINK(\"\"https://phish.invalid\"\",\"\"click\"\")\"",
      "'+1+cmd|' /C calc'!A0",
      "'-2+3",
      "'@SUM(A1)",
      "'\tTAB",
      "\"'\rCR\""
    ])
    expect(cells.slice(6)).toEqual(["-5", "-5", "+1.5", "a=b"])
  })

  it("csv-raw keeps every value exactly as stored", () => {
    const csv = render("csv-raw", { columns: ["v"], rows: hostile.map((v) => ({ v })) })
    expect(csv.split("\r\n")[1]).toBe("\"=HYPERLINK(\"\"https://phish.invalid\"\",\"\"click\"\")\"")
    expect(csv.split("\r\n")[3]).toBe("-2+3")
  })
})
