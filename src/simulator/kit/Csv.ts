/** CSV text as a spreadsheet writes it (RFC 4180): a header row, fields quoted only when they must be. */

const field = (value: string): string => (/[",\r\n]/.test(value) ? `"${value.replace(/"/g, "\"\"")}"` : value)

export const csv = (header: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>): string =>
  [header, ...rows].map((row) => row.map(field).join(",")).join("\n") + "\n"
