/**
 * Policy rules: findings that become actions without a review decision (`--policy FILE`, or the config file's
 * `remediation` section). Each rule names a finding and, optionally, how old its entity must be; the action follows
 * from what the finding is about: a token is revoked, an invitation revoked (an enrollment cancelled), a member
 * removed.
 */
import { Schema } from "effect"

/** The findings a policy may act on, by what their entity is. */
export const policyFindings = {
  robot_token: [
    "token.never_used",
    "token.unused",
    "token.no_expiry",
    "token.long_lived",
    "token.old",
    "token.expiring"
  ],
  invitation: ["invitation.expired", "invitation.privileged", "invitation.expiring", "access.external_domain"],
  member: ["access.leaver", "access.external_domain", "access.unknown_person"]
} as const

const allFindings = [...new Set(Object.values(policyFindings).flat())] as Array<string>

export const PolicyRule = Schema.Struct({
  finding: Schema.Literal(...(allFindings as [string, ...Array<string>])).annotations({
    description:
      "The finding whose entities are acted on (token.never_used, invitation.expired, invitation.privileged, access.leaver, …)."
  }),
  older_than_days: Schema.optional(Schema.NonNegative).annotations({
    description: "Only entities created at least this many days before the planned run (default: any age)."
  }),
  admins: Schema.optional(Schema.Boolean).annotations({
    description: "Member rules only: also remove admins (default false: admins are left to a review decision)."
  })
}).annotations({ title: "A remediation policy rule" })
export type PolicyRule = typeof PolicyRule.Type

export const Policy = Schema.Struct({
  rules: Schema.Array(PolicyRule).annotations({ description: "Each finding a policy acts on, with its conditions." })
}).annotations({
  title: "Remediation policy",
  description: "Findings that `remediate plan` turns into actions without a review decision (docs/remediation.md)."
})
export type Policy = typeof Policy.Type

export const ruleText = (rule: PolicyRule): string =>
  `policy: ${rule.finding}${rule.older_than_days === undefined ? "" : ` older than ${rule.older_than_days} days`}`
