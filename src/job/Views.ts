/** Every SQL file of views installed on top of the store's own, in dependency order (analyses, then integrity). */
import { analysisViews } from "../analyses/Findings.js"
import { integrityViews } from "../history/Integrity.js"
import { ledgerViews } from "../history/Ledger.js"
import { reviewViews } from "../review/ReviewViews.js"

// A feature's SQL reads the changes and defines rules that findings.sql (the last analysis file) calls: it goes
// between the two.
const findingsSql = analysisViews.slice(-1)
const beforeFindings = analysisViews.slice(0, -1)

export const allViews: ReadonlyArray<string> = [
  ...beforeFindings,
  ...reviewViews,
  ...findingsSql,
  ...integrityViews,
  ...ledgerViews
]
