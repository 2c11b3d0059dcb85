/**
 * The review sheet a campaign hands to its reviewers: `review.xlsx` (instructions, the campaign's identity, a
 * sign-off block, then privileged access and everyone else as two sections, every cell locked but the input
 * columns) and `review.csv` (the same rows for tools that prefer CSV). Both carry the campaign id and the population
 * hash, so that an import finds its campaign, and every row its item key and facts hash. Written with exceljs's
 * streaming writer: a 50,000-member workspace is written row by row.
 */
import { FileSystem, Path } from "@effect/platform"
import { Effect } from "effect"
import ExcelJS from "exceljs"
import { csvLine } from "../files/Csv.js"
import { factColumns, FACTS_HASH, inputHeaders, ITEM_KEY, type StoredItem } from "./Facts.js"
import { ReviewError } from "./ReviewError.js"

/** The labels of the campaign's identity above the table; the import reads them back by these names. */
export const META = {
  campaign: "Campaign id",
  population: "Population hash",
  workspace: "Workspace",
  run: "Frozen run",
  period: "Period",
  reviewers: "Reviewers",
  due: "Due",
  items: "Items"
} as const

export interface SheetCampaign {
  readonly campaignId: string
  readonly populationHash: string
  readonly workspace: string
  readonly source: string
  readonly workspaceId: string
  readonly runId: number
  readonly runStartedAt: string
  readonly period: string | null
  readonly reviewers: ReadonlyArray<string>
  readonly dueOn: string | null
  readonly startedAt: string
  /** The roles a Change role may name, for the New role drop-down (empty: no drop-down). */
  readonly roles: ReadonlyArray<string>
}

interface SheetColumn {
  readonly header: string
  readonly width: number
  readonly kind: "text" | "date" | "input" | "input-date"
  readonly value: (item: StoredItem) => string | null
}

const inputWidths: Record<(typeof inputHeaders)[number], number> = {
  Decision: 13,
  "New role": 11,
  Reviewer: 28,
  "Reviewed on": 13,
  Comment: 44
}

/** Every column of the table, in the written order (the import finds them by header, in any order). */
export const sheetColumns: ReadonlyArray<SheetColumn> = [
  ...factColumns.map((c): SheetColumn => ({ header: c.header, width: c.width, kind: c.kind, value: c.value })),
  ...inputHeaders.map((h): SheetColumn => ({
    header: h,
    width: inputWidths[h],
    kind: h === "Reviewed on" ? "input-date" : "input",
    value: () => null
  })),
  { header: ITEM_KEY, width: 48, kind: "text", value: (i) => i.item_key },
  { header: FACTS_HASH, width: 19, kind: "text", value: (i) => i.facts_hash }
]

const HEADER_FILL = "FF1F3A5F"
const INPUT_HEADER_FILL = "FF8D6E00"
const INPUT_FILL = "FFFFF8E1"
const PRIVILEGED_FILL = "FFFCE4EC"

const when = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`

const metaRows = (c: SheetCampaign, items: ReadonlyArray<StoredItem>): ReadonlyArray<readonly [string, string]> => {
  const privileged = items.filter((i) => i.privileged).length
  return [
    [META.campaign, c.campaignId],
    [META.population, c.populationHash],
    [META.workspace, `${c.workspace} (${c.source}, ${c.workspaceId})`],
    [META.run, `run ${c.runId}, ${when(c.runStartedAt)}`],
    [META.period, c.period ?? "–"],
    [META.reviewers, c.reviewers.length > 0 ? c.reviewers.join(", ") : "not assigned"],
    [META.due, c.dueOn ?? "no due date"],
    [META.items, `${items.length} (${privileged} privileged)`]
  ]
}

const instructions = (c: SheetCampaign): ReadonlyArray<string> => [
  "1. For each row choose a Decision: Keep, Remove or Change role (then pick the New role). A row left blank stays undecided.",
  "2. Fill in Reviewer (your email), Reviewed on (the date) and a Comment where the decision needs a reason.",
  "3. Reviewing your own access is flagged as a self-review and needs a Comment.",
  "4. Change only the amber input columns: a row whose other cells were edited no longer matches its Facts hash and is rejected.",
  `5. Save as .xlsx or .csv (Excel, LibreOffice Calc or Google Sheets all do) and import it: ptolemy-audit review import FILE`,
  "The sheet is protected without a password, to prevent accidental edits; anyone can unprotect it, so it is not a " +
  "security control: the import checks every row against the facts frozen in the audit database.",
  `Privileged access (admins, tokens of admin robots, invitations that grant admin) is its own section, reviewed first.`,
  `Campaign ${c.campaignId} froze run ${c.runId}; reviewers: ${
    c.reviewers.length > 0 ? c.reviewers.join(", ") : "not assigned"
  }.`
]

/** `2026-03-31` as a date cell at midnight UTC: an exact day in every spreadsheet, whatever its time zone. */
const dayCell = (day: string): Date | string => {
  const ms = Date.parse(`${day}T00:00:00Z`)
  return /^\d{4}-\d{2}-\d{2}$/.test(day) && !Number.isNaN(ms) ? new Date(ms) : day
}

declare module "exceljs" {
  interface Worksheet {
    /**
     * A worksheet's data validations by range ("A2:A500"), which the streaming writer needs (its cells are written
     * and gone before a per-cell validation could be set). Every worksheet has it (exceljs's doc/worksheet.js and
     * stream/xlsx/worksheet-writer.js both construct one); exceljs's type declarations leave it out.
     */
    readonly dataValidations: { add: (address: string, validation: DataValidation) => void }
  }
}

const writeXlsx = (path: string, campaign: SheetCampaign, items: ReadonlyArray<StoredItem>) =>
  Effect.tryPromise({
    try: async () => {
      const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({
        filename: path,
        useStyles: true,
        useSharedStrings: true
      })
      workbook.creator = "ptolemy-audit"
      workbook.created = workbook.modified = new Date(campaign.startedAt)
      const sheet = workbook.addWorksheet("Review", {
        pageSetup: { orientation: "landscape", fitToPage: true, fitToWidth: 1, fitToHeight: 0 }
      })
      sheet.columns = sheetColumns.map((c, i) => ({ key: `c${i}`, width: c.width }))
      const inputIndexes = sheetColumns.flatMap((c, i) => (c.kind.startsWith("input") ? [i + 1] : []))
      const letter = (header: string) => sheet.getColumn(sheetColumns.findIndex((c) => c.header === header) + 1).letter

      const title = sheet.addRow([`Access review ${campaign.campaignId}: ${campaign.workspace}`])
      title.font = { bold: true, size: 14 }
      title.commit()
      for (const [label, value] of metaRows(campaign, items)) {
        const row = sheet.addRow([label, value])
        row.getCell(1).font = { bold: true }
        row.commit()
      }
      sheet.addRow([]).commit()
      const how = sheet.addRow(["How to review"])
      how.font = { bold: true }
      how.commit()
      for (const line of instructions(campaign)) sheet.addRow([line]).commit()
      sheet.addRow([]).commit()
      const signOff = sheet.addRow(["Sign-off"])
      signOff.font = { bold: true }
      signOff.commit()
      for (const label of ["Signed off by", "Date"]) {
        const row = sheet.addRow([label, null])
        row.getCell(1).font = { bold: true }
        const cell = row.getCell(2)
        cell.protection = { locked: false }
        cell.fill = { type: "pattern", pattern: "solid", fgColor: { argb: INPUT_FILL } }
        cell.border = { bottom: { style: "thin" } }
        if (label === "Date") cell.numFmt = "yyyy-mm-dd"
        row.commit()
      }
      sheet.addRow([
        `The sign-off that counts is recorded in the audit history: ptolemy-audit review close --campaign ${campaign.campaignId} --signed-by NAME`
      ]).commit()

      const section = (heading: string, rows: ReadonlyArray<StoredItem>, privileged: boolean) => {
        sheet.addRow([]).commit()
        const head = sheet.addRow([heading])
        head.font = { bold: true, size: 12 }
        head.commit()
        if (rows.length === 0) {
          const none = sheet.addRow([privileged ? "No privileged access in this run." : "No other access in this run."])
          none.font = { italic: true, color: { argb: "FF666666" } }
          none.commit()
          return
        }
        const header = sheet.addRow(sheetColumns.map((c) => c.header))
        header.font = { bold: true, color: { argb: "FFFFFFFF" } }
        header.height = 20
        sheetColumns.forEach((c, i) => {
          header.getCell(i + 1).fill = {
            type: "pattern",
            pattern: "solid",
            fgColor: { argb: c.kind.startsWith("input") ? INPUT_HEADER_FILL : HEADER_FILL }
          }
        })
        header.commit()
        const first = header.number + 1
        for (const item of rows) {
          const row = sheet.addRow(sheetColumns.map((c) => {
            const value = c.value(item)
            return value === null || value === "" ? null : c.kind === "date" ? dayCell(value) : value
          }))
          sheetColumns.forEach((c, i) => {
            if (c.kind === "date") row.getCell(i + 1).numFmt = "yyyy-mm-dd"
          })
          if (privileged) {
            row.getCell(1).fill = { type: "pattern", pattern: "solid", fgColor: { argb: PRIVILEGED_FILL } }
          }
          for (const column of inputIndexes) {
            const cell = row.getCell(column)
            cell.protection = { locked: false }
            cell.fill = { type: "pattern", pattern: "solid", fgColor: { argb: INPUT_FILL } }
            if (sheetColumns[column - 1]!.kind === "input-date") cell.numFmt = "yyyy-mm-dd"
          }
          row.commit()
        }
        const last = first + rows.length - 1
        const range = (header: string) => `${letter(header)}${first}:${letter(header)}${last}`
        sheet.dataValidations.add(range("Decision"), {
          type: "list",
          allowBlank: true,
          formulae: ["\"Keep,Remove,Change role\""],
          showErrorMessage: true,
          errorTitle: "Decision",
          error: "Choose Keep, Remove or Change role (or leave it blank)."
        })
        const roleList = campaign.roles.join(",")
        // A list validation holds at most 255 characters.
        if (campaign.roles.length > 0 && roleList.length <= 250 && !/["]/.test(roleList)) {
          sheet.dataValidations.add(range("New role"), {
            type: "list",
            allowBlank: true,
            formulae: [`"${roleList}"`],
            showErrorMessage: true,
            errorTitle: "New role",
            error: `Choose one of: ${campaign.roles.join(", ")}.`
          })
        }
        sheet.dataValidations.add(range("Reviewed on"), {
          type: "date",
          operator: "greaterThan",
          allowBlank: true,
          formulae: [new Date(Date.UTC(2000, 0, 1))],
          showErrorMessage: true,
          error: "Enter a date (YYYY-MM-DD)."
        })
      }
      const privileged = items.filter((i) => i.privileged)
      const others = items.filter((i) => !i.privileged)
      section(
        `Privileged access: admins, tokens of admin robots, invitations that grant admin (${privileged.length})`,
        privileged,
        true
      )
      section(`Everyone and everything else (${others.length})`, others, false)
      // No password: it stops accidental edits, not a determined one (the import checks the facts).
      await sheet.protect("", {
        selectLockedCells: true,
        selectUnlockedCells: true,
        formatColumns: true,
        formatRows: true
      })
      sheet.commit()
      await workbook.commit()
    },
    catch: (cause) => new ReviewError({ reason: "Write", message: `Could not write ${path}: ${String(cause)}`, cause })
  })

/** The CSV: the campaign's identity, a blank line, then one header and every row (privileged first). */
export const renderCsv = (campaign: SheetCampaign, items: ReadonlyArray<StoredItem>): string =>
  [
    ...metaRows(campaign, items).map(([label, value]) => csvLine([label, value])),
    csvLine([]),
    csvLine(sheetColumns.map((c) => c.header)),
    ...items.map((item) => csvLine(sheetColumns.map((c) => c.value(item))))
  ].join("")

export interface ReviewFiles {
  readonly folder: string
  readonly workbook: string
  readonly csv: string
}

/** Writes `review.xlsx` and `review.csv` into `folder`, each aside first and then renamed. */
export const writeReviewFiles = (
  folder: string,
  campaign: SheetCampaign,
  items: ReadonlyArray<StoredItem>
): Effect.Effect<ReviewFiles, ReviewError, FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const files = { folder, workbook: path.join(folder, "review.xlsx"), csv: path.join(folder, "review.csv") }
    const failed = (file: string) => (cause: unknown) =>
      new ReviewError({ reason: "Write", message: `Could not write ${file}: ${String(cause)}`, cause })
    yield* fs.makeDirectory(folder, { recursive: true }).pipe(Effect.mapError(failed(folder)))
    yield* writeXlsx(`${files.workbook}.partial`, campaign, items).pipe(
      Effect.zipRight(
        fs.rename(`${files.workbook}.partial`, files.workbook).pipe(Effect.mapError(failed(files.workbook)))
      ),
      Effect.tapError(() => Effect.ignore(fs.remove(`${files.workbook}.partial`, { force: true })))
    )
    yield* fs.writeFileString(`${files.csv}.partial`, renderCsv(campaign, items)).pipe(
      Effect.zipRight(fs.rename(`${files.csv}.partial`, files.csv)),
      Effect.mapError(failed(files.csv))
    )
    return files
  }).pipe(Effect.withSpan("Review.writeSheet"))
