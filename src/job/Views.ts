/** Every SQL file of views installed on top of the store's own, in dependency order (analyses, then integrity). */
import { analysisViews } from "../analyses/Findings.js"
import { integrityViews } from "../history/Integrity.js"
import { ledgerViews } from "../history/Ledger.js"

export const allViews: ReadonlyArray<string> = [...analysisViews, ...integrityViews, ...ledgerViews]
