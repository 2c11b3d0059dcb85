/**
 * Adds a picture to one sheet of a finished workbook. exceljs's streaming writer (which keeps a 50,000-member
 * workbook in bounded memory) cannot place images, so the chart is added afterwards as the OOXML parts Excel and
 * LibreOffice read: the image, a drawing anchoring it to a cell, and the relationships and content types tying them
 * to the sheet. The other parts of the zip are copied as they are, compressed data and all.
 */
import { Effect } from "effect"
import { ReportError } from "./ReportData.js"

export interface Picture {
  readonly sheet: string
  readonly png: Uint8Array
  /** The top-left cell, counted from 0. */
  readonly column: number
  readonly row: number
  /** Size on the sheet, in pixels. */
  readonly width: number
  readonly height: number
  readonly description: string
}

const EMU_PER_PIXEL = 9525
const RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
const DRAWING_TYPE = `${RELS}/drawing`
const IMAGE_TYPE = `${RELS}/image`

const xmlAttr = (text: string) =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;")

const drawingXml = (p: Picture) => {
  const [cx, cy] = [Math.round(p.width * EMU_PER_PIXEL), Math.round(p.height * EMU_PER_PIXEL)]
  return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<xdr:wsDr xmlns:xdr="http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing" xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" xmlns:r="${RELS}"><xdr:oneCellAnchor><xdr:from><xdr:col>${p.column}</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>${p.row}</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:from><xdr:ext cx="${cx}" cy="${cy}"/><xdr:pic><xdr:nvPicPr><xdr:cNvPr id="2" name="Quota trends" descr="${
    xmlAttr(p.description)
  }"/><xdr:cNvPicPr><a:picLocks noChangeAspect="1"/></xdr:cNvPicPr></xdr:nvPicPr><xdr:blipFill><a:blip r:embed="rIdImage1"/><a:stretch><a:fillRect/></a:stretch></xdr:blipFill><xdr:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="${cx}" cy="${cy}"/></a:xfrm><a:prstGeom prst="rect"><a:avLst/></a:prstGeom></xdr:spPr></xdr:pic><xdr:clientData/></xdr:oneCellAnchor></xdr:wsDr>`
}

const relationships = (items: ReadonlyArray<string>) =>
  `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">${
    items.join("")
  }</Relationships>`

/** CT_Worksheet's order: `<drawing>` comes before these elements, or at the end. */
const AFTER_DRAWING =
  /<(legacyDrawing|legacyDrawingHF|drawingHF|picture|oleObjects|controls|webPublishItems|tableParts|extLst)\b|<\/worksheet>/

const failed = (cause: unknown) =>
  new ReportError({ message: `Could not add the chart to the workbook: ${String(cause)}`, cause })

/** The sheet's part (`xl/worksheets/sheet8.xml`), from the workbook's sheet list and relationships. */
const sheetPart = (workbookXml: string, workbookRels: string, name: string): string | null => {
  const sheet = [...workbookXml.matchAll(/<sheet\b[^>]*>/g)].map((m) => m[0]).find((tag) =>
    tag.includes(`name="${xmlAttr(name)}"`)
  )
  const id = sheet?.match(/r:id="([^"]+)"/)?.[1]
  if (id === undefined) return null
  const rel = [...workbookRels.matchAll(/<Relationship\b[^>]*>/g)].map((m) => m[0]).find((tag) =>
    tag.includes(`Id="${id}"`)
  )
  const target = rel?.match(/Target="([^"]+)"/)?.[1]
  return target === undefined ? null : target.startsWith("/") ? target.slice(1) : `xl/${target}`
}

export const addPicture = (workbook: Uint8Array, picture: Picture): Effect.Effect<Uint8Array, ReportError> =>
  Effect.tryPromise({
    try: async () => {
      const { default: JSZip } = await import("jszip")
      const zip = await JSZip.loadAsync(workbook)
      const text = async (path: string) => {
        const file = zip.file(path)
        return file === null ? null : file.async("string")
      }
      const part = sheetPart(
        (await text("xl/workbook.xml")) ?? "",
        (await text("xl/_rels/workbook.xml.rels")) ?? "",
        picture.sheet
      )
      const sheetXml = part === null ? null : await text(part)
      if (part === null || sheetXml === null) throw new Error(`no sheet named ${picture.sheet}`)
      const name = part.split("/").pop()!
      const relsPath = `xl/worksheets/_rels/${name}.rels`
      const drawing = `drawing-${name}`
      const media = `chart-${name.replace(/\.xml$/, "")}.png`
      zip.file(`xl/media/${media}`, picture.png)
      zip.file(`xl/drawings/${drawing}`, drawingXml(picture))
      zip.file(
        `xl/drawings/_rels/${drawing}.rels`,
        relationships([`<Relationship Id="rIdImage1" Type="${IMAGE_TYPE}" Target="../media/${media}"/>`])
      )
      const drawingRel = `<Relationship Id="rIdDrawing1" Type="${DRAWING_TYPE}" Target="../drawings/${drawing}"/>`
      const rels = await text(relsPath)
      zip.file(
        relsPath,
        rels === null ? relationships([drawingRel]) : rels.replace("</Relationships>", `${drawingRel}</Relationships>`)
      )
      const at = sheetXml.search(AFTER_DRAWING)
      zip.file(part, `${sheetXml.slice(0, at)}<drawing r:id="rIdDrawing1"/>${sheetXml.slice(at)}`)
      let types = (await text("[Content_Types].xml")) ?? ""
      if (!/Extension="png"/i.test(types)) {
        types = types.replace("</Types>", `<Default Extension="png" ContentType="image/png"/></Types>`)
      }
      types = types.replace(
        "</Types>",
        `<Override PartName="/xl/drawings/${drawing}" ContentType="application/vnd.openxmlformats-officedocument.drawing+xml"/></Types>`
      )
      zip.file("[Content_Types].xml", types)
      return zip.generateAsync({ type: "uint8array", compression: "DEFLATE" })
    },
    catch: failed
  })
