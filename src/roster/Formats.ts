/**
 * Which export a roster file is, told from its header row alone (docs/roster.md lists each format's columns and
 * where their names come from). The first format whose identifying columns are all present wins; the order puts the
 * most specific first, so the plain CSV's `email,status,terminated_on` is never taken for an Okta export.
 */
import { Either } from "effect"
import { entraFormat } from "./Entra.js"
import { columnKey, type FormatSpec } from "./Fields.js"
import { googleFormat } from "./Google.js"
import { hrisFormat } from "./Hris.js"
import { oktaFormat } from "./Okta.js"
import { plainFormat } from "./Plain.js"

export const formats: ReadonlyArray<FormatSpec> = [plainFormat, entraFormat, googleFormat, hrisFormat, oktaFormat]

export const detectFormat = (header: ReadonlyArray<string>): Either.Either<FormatSpec, string> => {
  const keys = new Set(header.map(columnKey))
  const found = formats.find((f) => f.detect((key) => keys.has(key)))
  return found === undefined
    ? Either.left(
      `the header row (${header.slice(0, 8).join(", ")}${
        header.length > 8 ? ", ..." : ""
      }) is none of the roster formats: ${formats.map((f) => `${f.label} (${f.requires})`).join("; ")}`
    )
    : Either.right(found)
}
