/** Severities of findings, in order; `--fail-on` names the lowest that fails a run. */
export const severities = ["info", "low", "medium", "high", "critical"] as const

export type Severity = (typeof severities)[number]

export const severityRank = (severity: string): number => severities.indexOf(severity as Severity)

export const atLeast = (severity: string, threshold: Severity): boolean =>
  severityRank(severity) >= severityRank(threshold)
