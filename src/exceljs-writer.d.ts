/**
 * exceljs's streaming workbook writer on its own (its package has no exports map, so the file can be required
 * directly): a third of the time of loading all of exceljs, whose reader and document model a report never uses.
 */
declare module "exceljs/lib/stream/xlsx/workbook-writer.js" {
  import type ExcelJS from "exceljs"
  const WorkbookWriter: typeof ExcelJS.stream.xlsx.WorkbookWriter
  export default WorkbookWriter
}
