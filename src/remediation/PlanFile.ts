/**
 * The plan file: versioned JSON (docs/remediation-plan.schema.json is generated from the Schema here) that carries
 * its own SHA-256 over its canonical content. `plan` is what a person approves; `hash` is the SHA-256 of `plan` as
 * canonical JSON (keys sorted, no whitespace), and `plan_id` its first 16 hex digits, so an edited plan no longer
 * matches its hash and is refused.
 */
import { Either, JSONSchema, ParseResult, Schema } from "effect"
import { createHash } from "node:crypto"
import { Policy } from "./Policy.js"

export const PLAN_FORMAT = "ptolemy-audit/remediation-plan"
export const PLAN_VERSION = 1

export const ActionKind = Schema.Literal(
  // Ptolemy
  "remove_member",
  "change_role",
  "revoke_token",
  "revoke_invitation",
  // TransactionLink
  "remove_workspace_member",
  "set_workspace_role",
  "cancel_enrollment"
)
export type ActionKind = typeof ActionKind.Type

const Source = Schema.Literal("ptolemy", "transactionlink")
const Text = Schema.NullOr(Schema.String)

export const Target = Schema.Struct({
  type: Schema.Literal("member", "robot", "robot_token", "invitation"),
  /** The id the entity has in the views (membership id, token id, invitation id; TransactionLink: user id). */
  id: Schema.String,
  label: Schema.String,
  email: Text,
  /** Every id of the target: membership_id, user_id, robot_id, token_id, invitation_id, workspace_id. */
  ids: Schema.Record({ key: Schema.String, value: Schema.String })
})

export const Reason = Schema.Union(
  Schema.Struct({
    type: Schema.Literal("review"),
    text: Schema.String,
    campaign_id: Schema.String,
    item_key: Schema.String,
    decision: Schema.Literal("remove", "change_role"),
    new_role: Text,
    reviewer: Schema.String,
    reviewed_on: Schema.String,
    comment: Text
  }),
  Schema.Struct({
    type: Schema.Literal("policy"),
    text: Schema.String,
    rule_id: Schema.String,
    older_than_days: Schema.NullOr(Schema.Number),
    finding_detail: Text
  })
)
export type Reason = typeof Reason.Type

export const Call = Schema.Struct({
  method: Schema.Literal("DELETE", "PATCH", "PUT", "POST"),
  /** Relative to the API's base URL (Ptolemy: https://api.ptolemy.cloud/v1). */
  path: Schema.String,
  body: Schema.NullOr(Schema.Record({ key: Schema.String, value: Schema.String }))
})
export type Call = typeof Call.Type

/** The target's state as of the plan's run; apply compares the live state with it. */
export const Precondition = Schema.Struct({
  run_id: Schema.Number,
  role: Text,
  role_id: Text,
  status: Text,
  user_type: Text,
  access: Text
})
export type Precondition = typeof Precondition.Type

export const Action = Schema.Struct({
  id: Schema.String,
  kind: ActionKind,
  target: Target,
  new_role: Text,
  reason: Reason,
  call: Call,
  precondition: Precondition
})
export type Action = typeof Action.Type

export const Excluded = Schema.Struct({
  kind: Schema.NullOr(ActionKind),
  target_id: Text,
  label: Text,
  reason: Schema.String,
  why: Schema.String
})
export type Excluded = typeof Excluded.Type

export const PlanContent = Schema.Struct({
  created_at: Schema.String,
  source: Source,
  workspace: Schema.Struct({ id: Schema.String, slug: Text, name: Text }),
  /** The run the preconditions are taken from (the workspace's latest complete run). */
  run_id: Schema.Number,
  campaign_id: Text,
  policy: Schema.NullOr(Policy),
  actions: Schema.Array(Action),
  excluded: Schema.Array(Excluded)
})
export type PlanContent = typeof PlanContent.Type

export const PlanFile = Schema.Struct({
  format: Schema.Literal(PLAN_FORMAT),
  version: Schema.Literal(PLAN_VERSION),
  plan_id: Schema.String,
  hash: Schema.String.annotations({
    description: "sha256:<hex> of `plan` as canonical JSON (keys sorted, no whitespace)."
  }),
  plan: PlanContent
}).annotations({ title: "ptolemy-audit remediation plan", description: "See docs/remediation.md." })
export type PlanFile = typeof PlanFile.Type

export const planJsonSchema = () => JSONSchema.make(PlanFile)

/** JSON with every object's keys sorted and no whitespace: the same value always gives the same text. */
export const canonicalJson = (value: unknown): string => {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined)
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`
  }
  return JSON.stringify(value)
}

export const hashOf = (content: unknown): string =>
  `sha256:${createHash("sha256").update(canonicalJson(content)).digest("hex")}`

export const planIdOf = (hash: string): string => hash.replace(/^sha256:/, "").slice(0, 16)

/** The file for a plan's content: its hash and id computed here. */
export const sealPlan = (content: PlanContent): PlanFile => {
  const encoded = Schema.encodeSync(PlanContent)(content)
  const hash = hashOf(encoded)
  return { format: PLAN_FORMAT, version: PLAN_VERSION, plan_id: planIdOf(hash), hash, plan: content }
}

export const planText = (file: PlanFile): string => `${JSON.stringify(Schema.encodeSync(PlanFile)(file), null, 2)}\n`

/**
 * A plan file read back: valid JSON of the schema, its hash that of its content, its id that of its hash. Left:
 * why it is refused.
 */
export const readPlan = (text: string, name: string): Either.Either<PlanFile, string> => {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (cause) {
    return Either.left(`${name} is not valid JSON: ${(cause as Error).message}`)
  }
  const decoded = Schema.decodeUnknownEither(PlanFile, { onExcessProperty: "error", errors: "all" })(json)
  if (Either.isLeft(decoded)) {
    const issues = ParseResult.ArrayFormatter.formatErrorSync(decoded.left)
      .slice(0, 3)
      .map((i) => `${i.path.join(".") || "(document)"}: ${i.message}`)
    return Either.left(`${name} is not a remediation plan of this version: ${issues.join("; ")}`)
  }
  const file = decoded.right
  const actual = hashOf((json as { plan: unknown }).plan)
  if (actual !== file.hash) {
    return Either.left(
      `${name} does not match its hash (it says ${file.hash}, its content hashes to ${actual}): it was edited after it was planned. Make a new plan with \`ptolemy-audit remediate plan\`.`
    )
  }
  if (file.plan_id !== planIdOf(file.hash)) {
    return Either.left(`${name}: plan_id ${file.plan_id} is not that of its hash.`)
  }
  return Either.right(file)
}
