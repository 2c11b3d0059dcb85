/**
 * Findings as GitHub Actions workflow annotations (`::error::`, `::warning::`, `::notice::` on stdout), so that a
 * scheduled run's new findings show on the run's page without opening the reports.
 */
import type { GateFinding } from "../read/Findings.js"
import { printable } from "./Output.js"

const escapeData = (text: string) => text.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A")
const escapeProperty = (text: string) => escapeData(text).replace(/:/g, "%3A").replace(/,/g, "%2C")

const level = (severity: string) =>
  severity === "critical" || severity === "high" ? "error" : severity === "medium" ? "warning" : "notice"

export const annotation = (finding: GateFinding, workspace: string): string =>
  `::${level(finding.severity)} title=${escapeProperty(`${finding.rule_id} (${finding.severity})`)}::${
    escapeData(printable(`${workspace}: ${finding.entity_name ?? finding.entity_id}: ${finding.detail ?? ""}`))
  }`

export const isGitHubActions = (env: Record<string, string | undefined>) => env["GITHUB_ACTIONS"] === "true"
