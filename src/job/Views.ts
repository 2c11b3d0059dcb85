/**
 * Every SQL file of views installed on top of the store's own, in dependency order: DuckDB binds a macro when it is
 * created, so what a file calls is installed before it (the rules' foundations, then each feature's own findings
 * macros, then findings.sql whose evaluate_findings calls them, then integrity, whose run_canonical hashes them).
 */
import { findingRules, ruleFoundations } from "../analyses/Findings.js"
import { integrityViews } from "../history/Integrity.js"
import { ledgerViews } from "../history/Ledger.js"
import { remediationViews } from "../remediation/RemediationViews.js"
import { reviewViews } from "../review/ReviewViews.js"
import { peopleViews } from "../roster/PeopleViews.js"

export const allViews: ReadonlyArray<string> = [
  ...ruleFoundations,
  ...peopleViews,
  ...reviewViews,
  ...remediationViews,
  ...findingRules,
  ...integrityViews,
  ...ledgerViews
]
