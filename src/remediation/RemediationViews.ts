/** Remediation's SQL (remediation.sql): the plan and action views and the remediation rules. */
import remediationSql from "./remediation.sql"

export const remediationViews: ReadonlyArray<string> = [remediationSql]
