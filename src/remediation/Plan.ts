/**
 * Building a plan from the history alone (no API call): the Remove and Change role decisions of a signed-off review
 * campaign, and the findings a policy names, each turned into one action on the target as the workspace's latest
 * complete run shows it (its precondition), with the exact call apply will make. What cannot or should not be done
 * is left out with the reason: the last admin of a workspace, a target already gone, a role changed since the
 * review, access inherited from the organisation, a TransactionLink role whose id no run has seen.
 */
import { Data, Effect, Schema } from "effect"
import { findAll, findFirst, Text } from "../read/Query.js"
import { type DatabaseService, param, type StoreError } from "../store/Database.js"
import type { Action, ActionKind, Call, Excluded, PlanContent, Precondition, Reason } from "./PlanFile.js"
import { type Policy, policyFindings, type PolicyRule, ruleText } from "./Policy.js"

export class PlanError extends Data.TaggedError("PlanError")<{ readonly message: string }> {}

export interface PlanInput {
  /** A campaign id; undefined = the latest signed-off campaign (of the workspace, when one is named). */
  readonly campaignId?: string | undefined
  /** Campaign actions are planned unless this is false (a policy-only plan). */
  readonly useCampaign: boolean
  readonly workspace?: { readonly source: string; readonly workspace_id: string } | undefined
  readonly policy?: Policy | undefined
  readonly now: Date
}

const Campaign = Schema.Struct({
  campaign_id: Schema.String,
  source: Schema.String,
  workspace_id: Schema.String,
  status: Schema.String,
  signed_by: Text,
  signed_at: Text
})

const LatestRun = Schema.Struct({
  run_id: Schema.Number,
  started_at: Schema.String,
  workspace_slug: Text,
  workspace_name: Text
})

const Member = Schema.Struct({
  id: Schema.String,
  user_id: Text,
  user_type: Text,
  role: Text,
  display_name: Text,
  email: Text,
  access: Text,
  org_role: Text,
  user_status: Text,
  admin: Schema.Boolean,
  role_id: Text,
  created_at: Text
})
type Member = typeof Member.Type

const Token = Schema.Struct({
  id: Schema.String,
  robot_id: Text,
  status: Text,
  token_suffix: Text,
  name: Text,
  robot_name: Text,
  created_at: Text
})
type Token = typeof Token.Type

const Invitation = Schema.Struct({
  id: Schema.String,
  email: Text,
  role: Text,
  status: Text,
  created_at: Text,
  expires_at: Text
})
type Invitation = typeof Invitation.Type

const Outcome = Schema.Struct({
  item_key: Schema.String,
  item_type: Schema.String,
  membership_id: Text,
  user_id: Text,
  robot_id: Text,
  token_id: Text,
  invitation_id: Text,
  label: Schema.String,
  email: Text,
  role: Text,
  decision: Schema.Literal("remove", "change_role"),
  new_role: Text,
  reviewer: Schema.String,
  reviewed_on: Schema.String,
  comment: Text
})
type Outcome = typeof Outcome.Type

const Finding = Schema.Struct({
  rule_id: Schema.String,
  entity_type: Text,
  entity_id: Text,
  entity_name: Text,
  detail: Text
})

/** Who holds admin in a workspace: Ptolemy's admin role, TransactionLink's admin workspace roles and inherited organisation owners and admins. */
const ADMIN =
  "(is_admin(m.role, m.access, m.org_role) OR (m.source = 'transactionlink' AND lower(m.role) LIKE '%admin%'))"

const memberSql =
  `SELECT m.id, m.user_id, m.user_type, m.role, m.display_name, m.email, m.access, m.org_role, m.user_status,
  ${ADMIN} AS admin, json_extract_string(m.raw, '$.role.id') AS role_id, m.created_at::VARCHAR AS created_at
  FROM members m WHERE m.run_id = $1`

const day = 86_400_000

const ageDays = (createdAt: string | null, asOf: string): number | null =>
  createdAt === null ? null : (Date.parse(asOf) - Date.parse(createdAt)) / day

export const buildPlan = (db: DatabaseService, input: PlanInput): Effect.Effect<PlanContent, PlanError | StoreError> =>
  Effect.gen(function*() {
    // The campaign, and with it the workspace.
    let campaign: typeof Campaign.Type | undefined
    if (input.useCampaign) {
      const scope = input.workspace
      campaign = input.campaignId !== undefined
        ? yield* findFirst(db, Campaign, "campaigns", "SELECT * FROM review_campaigns WHERE campaign_id = $1", [
          param.text(input.campaignId)
        ])
        : yield* findFirst(
          db,
          Campaign,
          "campaigns",
          `SELECT * FROM review_campaigns WHERE status = 'closed' ${
            scope ? "AND source = $1 AND workspace_id = $2" : ""
          }
           ORDER BY signed_at DESC, TRY_CAST(campaign_id AS INTEGER) DESC LIMIT 1`,
          scope ? [param.text(scope.source), param.text(scope.workspace_id)] : []
        )
      if (campaign === undefined) {
        if (input.campaignId !== undefined) {
          return yield* Effect.fail(new PlanError({ message: `There is no campaign ${input.campaignId}.` }))
        }
        if (input.policy === undefined) {
          return yield* Effect.fail(
            new PlanError({
              message:
                "No signed-off review campaign to plan from: sign one off with `ptolemy-audit review close`, name one with --campaign, or give a --policy."
            })
          )
        }
      } else if (campaign.status !== "closed") {
        return yield* Effect.fail(
          new PlanError({
            message:
              `Campaign ${campaign.campaign_id} is not signed off yet: its decisions may still change. Sign it off with \`ptolemy-audit review close\` first.`
          })
        )
      }
    }
    const workspace = campaign ? { source: campaign.source, workspace_id: campaign.workspace_id } : input.workspace
    if (workspace === undefined) {
      return yield* Effect.fail(new PlanError({ message: "Name the workspace to plan for with --workspace." }))
    }
    if (
      input.workspace &&
      (input.workspace.source !== workspace.source || input.workspace.workspace_id !== workspace.workspace_id)
    ) {
      return yield* Effect.fail(
        new PlanError({ message: `Campaign ${campaign!.campaign_id} is of another workspace than --workspace names.` })
      )
    }
    const source = workspace.source as "ptolemy" | "transactionlink"
    const run = yield* findFirst(
      db,
      LatestRun,
      "runs",
      `SELECT run_id, started_at::VARCHAR AS started_at, workspace_slug, workspace_name FROM run_log
       WHERE source = $1 AND workspace_id = $2 AND status = 'complete' ORDER BY run_id DESC LIMIT 1`,
      [param.text(source), param.text(workspace.workspace_id)]
    )
    if (run === undefined) {
      return yield* Effect.fail(
        new PlanError({ message: "The workspace has no complete run to take the targets' state from." })
      )
    }
    const latestRun: typeof LatestRun.Type = run
    const runParam = [param.int(run.run_id)]
    const members = new Map((yield* findAll(db, Member, "members", memberSql, runParam)).map((m) => [m.id, m]))
    const tokens = new Map(
      (yield* findAll(
        db,
        Token,
        "robot tokens",
        `SELECT t.id, t.robot_id, t.status, t.token_suffix, t.name, coalesce(b.display_name, rm.display_name) AS robot_name,
                t.created_at::VARCHAR AS created_at
         FROM robot_tokens t LEFT JOIN robots b ON b.run_id = t.run_id AND b.id = t.robot_id
         LEFT JOIN members rm ON rm.run_id = t.run_id AND rm.user_id = t.robot_id
         WHERE t.run_id = $1`,
        runParam
      )).map((t) => [t.id, t])
    )
    const invitations = new Map(
      (yield* findAll(
        db,
        Invitation,
        "invitations",
        "SELECT id, email, role, status, created_at::VARCHAR AS created_at, expires_at::VARCHAR AS expires_at FROM invitations WHERE run_id = $1",
        runParam
      )).map((i) => [i.id, i])
    )
    // Role ids by name (TransactionLink's role change needs one): the roles members of this workspace hold in the run.
    const roleIds = new Map<string, string>()
    for (const m of members.values()) {
      if (m.role && m.role_id && m.access !== "inherited") roleIds.set(m.role.toLowerCase(), m.role_id)
    }

    // What earlier plans carried out and no run has shown undone: not planned again (the run that would show it
    // may simply not have happened yet).
    const carriedOut = new Map(
      (yield* findAll(
        db,
        Schema.Struct({
          target_id: Schema.String,
          plan_id: Schema.String,
          action_id: Schema.String,
          outcome: Schema.String
        }),
        "remediation actions",
        `SELECT target_id, plan_id, action_id, outcome FROM remediation_actions
         WHERE source = $1 AND workspace_id = $2 AND outcome IN ('done', 'already_done') AND verification IS DISTINCT FROM 'reverted'`,
        [param.text(source), param.text(workspace.workspace_id)]
      )).map((r) => [r.target_id, r])
    )
    const admins = new Set([...members.values()].filter((m) => m.admin).map((m) => m.id))
    const actions: Array<Action> = []
    const excluded: Array<Excluded> = []
    const planned = new Set<string>()
    const wsPath = `/workspaces/${encodeURIComponent(workspace.workspace_id)}`
    const tlPath = `/organizations/workspaces/${encodeURIComponent(workspace.workspace_id)}/memberships`

    const precondition = (fields: Partial<Precondition>): Precondition => ({
      run_id: run.run_id,
      role: fields.role ?? null,
      role_id: fields.role_id ?? null,
      status: fields.status ?? null,
      user_type: fields.user_type ?? null,
      access: fields.access ?? null
    })
    const add = (action: Omit<Action, "id">) => {
      const earlier = carriedOut.get(action.target.id)
      if (earlier !== undefined) {
        return leaveOut(
          action.kind,
          action.target.id,
          action.target.label,
          action.reason,
          `plan ${earlier.plan_id} carried it out already (${earlier.action_id}: ${
            earlier.outcome.replace("_", " ")
          }); the next run verifies it`
        )
      }
      planned.add(action.target.id)
      actions.push({ id: `a${actions.length + 1}`, ...action })
    }
    const leaveOut = (
      kind: ActionKind | null,
      targetId: string | null,
      label: string | null,
      reason: Reason,
      why: string
    ) => excluded.push({ kind, target_id: targetId, label, reason: reason.text, why })

    /** A removal or demotion of an admin that would leave the workspace with none is left out. */
    const lastAdmin = (m: Member, demotes: boolean) => {
      if (!demotes || !admins.has(m.id)) return false
      if (admins.size <= 1) return true
      admins.delete(m.id)
      return false
    }

    const memberLabel = (m: Member) => m.display_name ?? m.email ?? m.id

    const memberAction = (m: Member, decision: "remove" | "change_role", newRole: string | null, reason: Reason) => {
      const label = memberLabel(m)
      const pre = precondition({ role: m.role, role_id: m.role_id, user_type: m.user_type, access: m.access })
      const type = m.user_type === "robot" ? "robot" as const : "member" as const
      const ids: Record<string, string> = { membership_id: m.id, workspace_id: workspace.workspace_id }
      if (m.user_id) ids["user_id"] = m.user_id
      const target = { type, id: m.id, label, email: m.email, ids }
      if (source === "ptolemy") {
        const kind: ActionKind = decision === "remove" ? "remove_member" : "change_role"
        if (planned.has(m.id)) return
        if (decision === "change_role") {
          if (newRole === null) return leaveOut(kind, m.id, label, reason, "no new role was decided")
          if ((m.role ?? "") === newRole) {
            return leaveOut(kind, m.id, label, reason, `already ${newRole} as of run ${run.run_id}`)
          }
          if (m.user_type === "robot" && (newRole === "editor" || newRole === "admin")) {
            return leaveOut(kind, m.id, label, reason, "robots may only be viewer or member")
          }
        }
        const demotes = decision === "remove" || newRole !== "admin"
        if (lastAdmin(m, demotes)) {
          return leaveOut(
            kind,
            m.id,
            label,
            reason,
            `${label} is the last admin of the workspace: removing or demoting them would leave it without one`
          )
        }
        const call: Call = decision === "remove"
          ? { method: "DELETE", path: `${wsPath}/memberships/${encodeURIComponent(m.id)}`, body: null }
          : { method: "PATCH", path: `${wsPath}/memberships/${encodeURIComponent(m.id)}`, body: { role: newRole! } }
        return add({ kind, target, new_role: decision === "remove" ? null : newRole, reason, call, precondition: pre })
      }
      // TransactionLink: the membership is the user's in this workspace.
      const kind: ActionKind = decision === "remove" ? "remove_workspace_member" : "set_workspace_role"
      if (planned.has(m.id)) return
      if (m.access === "inherited") {
        return leaveOut(
          kind,
          m.id,
          label,
          reason,
          "the access is inherited from the organisation role (owner or admin): change it in the organisation, not the workspace"
        )
      }
      let body: Record<string, string> | null = null
      if (decision === "change_role") {
        if (newRole === null) return leaveOut(kind, m.id, label, reason, "no new role was decided")
        if ((m.role ?? "").toLowerCase() === newRole.toLowerCase()) {
          return leaveOut(kind, m.id, label, reason, `already ${newRole} as of run ${run.run_id}`)
        }
        if ((m.user_status ?? "").toUpperCase() === "TERMINATED") {
          return leaveOut(
            kind,
            m.id,
            label,
            reason,
            "the user is terminated in the organisation, and the API refuses a role for one (400): remove the membership instead"
          )
        }
        const roleId = roleIds.get(newRole.toLowerCase())
        if (roleId === undefined) {
          return leaveOut(
            kind,
            m.id,
            label,
            reason,
            `the id of the workspace role "${newRole}" is not known (no member held it in run ${run.run_id}), and the role change needs it`
          )
        }
        body = { userId: m.id, roleId }
      }
      const demotes = decision === "remove" || !newRole!.toLowerCase().includes("admin")
      if (lastAdmin(m, demotes)) {
        return leaveOut(
          kind,
          m.id,
          label,
          reason,
          `${label} is the last admin of the workspace: removing or demoting them would leave it without one`
        )
      }
      const call: Call = {
        method: decision === "remove" ? "DELETE" : "PUT",
        path: `${tlPath}/${encodeURIComponent(m.id)}`,
        body
      }
      return add({ kind, target, new_role: decision === "remove" ? null : newRole, reason, call, precondition: pre })
    }

    const tokenAction = (t: Token, reason: Reason) => {
      const label = `${t.robot_name ?? t.robot_id ?? "robot"} …${t.token_suffix ?? "????"}${
        t.name ? ` (${t.name})` : ""
      }`
      if (planned.has(t.id)) return
      if (t.status !== "active") {
        return leaveOut("revoke_token", t.id, label, reason, `the token is already ${t.status} as of run ${run.run_id}`)
      }
      if (t.robot_id === null) return leaveOut("revoke_token", t.id, label, reason, "the token's robot is not known")
      if (t.robot_id !== null && [...planned].some((id) => members.get(id)?.user_id === t.robot_id)) {
        return leaveOut(
          "revoke_token",
          t.id,
          label,
          reason,
          "its robot is removed by this plan, which revokes its tokens"
        )
      }
      add({
        kind: "revoke_token",
        target: {
          type: "robot_token",
          id: t.id,
          label,
          email: null,
          ids: { token_id: t.id, robot_id: t.robot_id, workspace_id: workspace.workspace_id }
        },
        new_role: null,
        reason,
        call: {
          method: "DELETE",
          path: `${wsPath}/memberships/robots/${encodeURIComponent(t.robot_id)}/tokens/${encodeURIComponent(t.id)}`,
          body: null
        },
        precondition: precondition({ status: t.status })
      })
    }

    const invitationAction = (i: Invitation, reason: Reason) => {
      const kind: ActionKind = source === "ptolemy" ? "revoke_invitation" : "cancel_enrollment"
      const label = i.email ?? i.id
      if (planned.has(i.id)) return
      if (
        i.status === "expired" ||
        (i.status === "pending" && i.expires_at !== null && Date.parse(i.expires_at) <= Date.parse(run.started_at))
      ) {
        return leaveOut(
          kind,
          i.id,
          label,
          reason,
          "an expired invitation can no longer be accepted, and the API refuses to revoke one (409): nothing to do"
        )
      }
      if (i.status !== "pending") {
        return leaveOut(kind, i.id, label, reason, `the invitation is already ${i.status} as of run ${run.run_id}`)
      }
      const call: Call = source === "ptolemy"
        ? { method: "DELETE", path: `${wsPath}/invitations/${encodeURIComponent(i.id)}`, body: null }
        : { method: "POST", path: `/organizations/enrollments/${encodeURIComponent(i.id)}/cancel`, body: null }
      add({
        kind,
        target: {
          type: "invitation",
          id: i.id,
          label,
          email: i.email,
          ids: { invitation_id: i.id, workspace_id: workspace.workspace_id }
        },
        new_role: null,
        reason,
        call,
        precondition: precondition({ status: i.status, role: i.role })
      })
    }

    // 1. The campaign's decisions, in the sheet's order.
    if (campaign !== undefined) {
      const outcomes = yield* findAll(
        db,
        Outcome,
        "review outcomes",
        `SELECT o.item_key, o.item_type, o.membership_id, o.user_id, o.robot_id, o.token_id, o.invitation_id, o.label, o.email,
                o.role, o.decision, o.new_role, o.reviewer, o.reviewed_on::VARCHAR AS reviewed_on, o.comment
         FROM review_outcomes o JOIN review_items i USING (campaign_id, item_key)
         WHERE o.campaign_id = $1 AND o.decision IN ('remove', 'change_role') ORDER BY i.position`,
        [param.text(campaign.campaign_id)]
      )
      for (const o of outcomes) yield* Effect.sync(() => reviewAction(o))
    }
    function reviewAction(o: Outcome) {
      const decided = o.decision === "remove" ? "Remove" : `Change role to ${o.new_role}`
      const reason: Reason = {
        type: "review",
        text: `${decided}: decided in review campaign ${campaign!.campaign_id} by ${o.reviewer} on ${o.reviewed_on}${
          o.comment ? ` ("${o.comment}")` : ""
        }`,
        campaign_id: campaign!.campaign_id,
        item_key: o.item_key,
        decision: o.decision,
        new_role: o.new_role,
        reviewer: o.reviewer,
        reviewed_on: o.reviewed_on,
        comment: o.comment
      }
      if (o.item_type === "member" || o.item_type === "robot") {
        const id = source === "ptolemy" ? o.membership_id : o.membership_id ?? o.user_id
        const m = id === null ? undefined : members.get(id)
        const kind: ActionKind = source === "ptolemy"
          ? o.decision === "remove" ? "remove_member" : "change_role"
          : o.decision === "remove"
          ? "remove_workspace_member"
          : "set_workspace_role"
        if (m === undefined) {
          return leaveOut(kind, id, o.label, reason, `no longer a member as of run ${latestRun.run_id}: nothing to do`)
        }
        if (o.decision === "change_role" && (m.role ?? "").toLowerCase() === (o.new_role ?? "").toLowerCase()) {
          return leaveOut(kind, m.id, o.label, reason, `already ${m.role} as of run ${latestRun.run_id}: nothing to do`)
        }
        if (o.decision === "change_role" && (m.role ?? "").toLowerCase() !== (o.role ?? "").toLowerCase()) {
          return leaveOut(
            kind,
            m.id,
            o.label,
            reason,
            `the role changed since the review (reviewed as ${o.role}, ${m.role} as of run ${latestRun.run_id}): review it again`
          )
        }
        return memberAction(m, o.decision, o.decision === "change_role" ? (o.new_role ?? null) : null, reason)
      }
      if (o.item_type === "token") {
        const t = o.token_id === null ? undefined : tokens.get(o.token_id)
        if (t === undefined) {
          return leaveOut(
            "revoke_token",
            o.token_id,
            o.label,
            reason,
            `the token is gone as of run ${latestRun.run_id}: nothing to do`
          )
        }
        return tokenAction(t, reason)
      }
      const kind: ActionKind = source === "ptolemy" ? "revoke_invitation" : "cancel_enrollment"
      const i = o.invitation_id === null ? undefined : invitations.get(o.invitation_id)
      if (i === undefined) {
        return leaveOut(
          kind,
          o.invitation_id,
          o.label,
          reason,
          `the invitation is gone as of run ${latestRun.run_id}: nothing to do`
        )
      }
      return invitationAction(i, reason)
    }

    // 2. The policy's findings, rule by rule.
    for (const rule of input.policy?.rules ?? []) {
      const findings = yield* findAll(
        db,
        Finding,
        "findings",
        `SELECT rule_id, entity_type, entity_id, entity_name, detail FROM findings
         WHERE run_id = $1 AND rule_id = $2 AND NOT suppressed ORDER BY entity_type, entity_name, entity_id`,
        [param.int(latestRun.run_id), param.text(rule.finding)]
      )
      for (const f of findings) policyAction(rule, f)
    }
    function policyAction(rule: PolicyRule, f: typeof Finding.Type) {
      const reason: Reason = {
        type: "policy",
        text: `${f.rule_id} (${f.detail ?? "finding"}); ${ruleText(rule)}`,
        rule_id: f.rule_id,
        older_than_days: rule.older_than_days ?? null,
        finding_detail: f.detail
      }
      const oldEnough = (createdAt: string | null) => {
        if (rule.older_than_days === undefined) return true
        const age = ageDays(createdAt, latestRun.started_at)
        return age !== null && age >= rule.older_than_days
      }
      if (f.entity_id === null) return
      if (
        f.entity_type === "robot_token" && (policyFindings.robot_token as ReadonlyArray<string>).includes(rule.finding)
      ) {
        const t = tokens.get(f.entity_id)
        if (t && oldEnough(t.created_at)) tokenAction(t, reason)
      } else if (
        f.entity_type === "invitation" && (policyFindings.invitation as ReadonlyArray<string>).includes(rule.finding)
      ) {
        const i = invitations.get(f.entity_id)
        if (i && oldEnough(i.created_at)) invitationAction(i, reason)
      } else if (
        f.entity_type === "member" && (policyFindings.member as ReadonlyArray<string>).includes(rule.finding)
      ) {
        const m = members.get(f.entity_id)
        if (m === undefined || !oldEnough(m.created_at)) return
        if (m.admin && rule.admins !== true) {
          return leaveOut(
            source === "ptolemy" ? "remove_member" : "remove_workspace_member",
            m.id,
            memberLabel(m),
            reason,
            "an admin: policies remove admins only with `admins: true`; decide it in a review"
          )
        }
        memberAction(m, "remove", null, reason)
      }
    }

    return {
      created_at: input.now.toISOString(),
      source,
      workspace: { id: workspace.workspace_id, slug: run.workspace_slug, name: run.workspace_name },
      run_id: latestRun.run_id,
      campaign_id: campaign?.campaign_id ?? null,
      policy: input.policy ?? null,
      actions,
      excluded
    } satisfies PlanContent
  })

/**
 * The plan as a Terraform-style table: one line per action, then what was left out and why. Every string that came
 * from the API (names, e-mails, roles, ids) goes through `shown`: the command line makes control characters visible
 * there, so that a display name cannot move the cursor or forge a line of the plan.
 */
export const planTable = (plan: PlanContent, planId: string, shown: (text: string) => string): string => {
  const sign: Record<ActionKind, string> = {
    remove_member: "-",
    remove_workspace_member: "-",
    revoke_token: "-",
    revoke_invitation: "-",
    cancel_enrollment: "-",
    change_role: "~",
    set_workspace_role: "~"
  }
  const lines = [
    `Remediation plan ${planId}: ${plan.source} workspace ${
      shown(plan.workspace.slug ?? plan.workspace.name ?? plan.workspace.id)
    }, targets as of run ${plan.run_id}${plan.campaign_id ? `, review campaign ${plan.campaign_id}` : ""}${
      plan.policy ? `, policy (${plan.policy.rules.length} rule${plan.policy.rules.length === 1 ? "" : "s"})` : ""
    }`,
    ""
  ]
  for (const a of plan.actions) {
    const change = a.new_role === null ? "" : `  ${shown(a.precondition.role ?? "?")} -> ${shown(a.new_role)}`
    lines.push(
      `  ${sign[a.kind]} ${a.id.padEnd(4)} ${a.kind.padEnd(23)} ${shown(a.target.label)}${
        a.target.email && a.target.email !== a.target.label ? ` <${shown(a.target.email)}>` : ""
      }${change}`
    )
    lines.push(
      `         ${a.call.method} ${shown(a.call.path)}${a.call.body ? ` ${shown(JSON.stringify(a.call.body))}` : ""}`
    )
    lines.push(`         why: ${shown(a.reason.text)}`)
  }
  if (plan.actions.length === 0) lines.push("  No changes.")
  if (plan.excluded.length > 0) {
    lines.push("", "Left out:")
    for (const x of plan.excluded) {
      lines.push(
        `  ! ${(x.kind ?? "").padEnd(23)} ${shown(x.label ?? x.target_id ?? "")}: ${shown(x.why)}`,
        `         wanted: ${shown(x.reason)}`
      )
    }
  }
  const removes = plan.actions.filter((a) => sign[a.kind] === "-").length
  lines.push(
    "",
    `Plan: ${removes} to remove or revoke, ${
      plan.actions.length - removes
    } to change, ${plan.excluded.length} left out.`
  )
  return lines.join("\n")
}
