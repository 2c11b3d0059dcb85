/**
 * The workbook's change sheets apart from people: Invitation changes, Token changes and Webhook changes (one row per
 * entity with its net effect over the window and who did it), and Changes, the log of every change between
 * consecutive runs (a robot's removal once, a webhook's changed fields only).
 */
import { readableValues } from "../../read/Changes.js"
import type { ChangeRow, InvitationChangeRow, ReportData, TokenChangeRow, WebhookChangeRow } from "../ReportData.js"
import { invitationOutcome, NOT_REPORTED, tokenOutcome, webhookOutcome } from "../Wording.js"
import { addSheet, type Workbook } from "./Sheet.js"

const noneNote = (data: ReportData, what: string) =>
  data.baseline === null ? "The first run of this workspace: nothing to compare with." : `No ${what} changed.`

export const invitationChangesSheet = (workbook: Workbook, data: ReportData) =>
  addSheet<InvitationChangeRow>(
    workbook,
    "Invitation changes",
    data.run.source,
    [
      { header: "Email", width: 32, wrap: true, value: (i) => i.email },
      { header: "Role", width: 10, value: (i) => i.role },
      { header: "Outcome", width: 20, value: invitationOutcome },
      { header: "Sent (UTC)", width: 16, kind: "datetime", value: (i) => i.created_at },
      { header: "Invited by", width: 20, value: (i) => i.invited_by ?? NOT_REPORTED },
      { header: "Expires (UTC)", width: 16, kind: "datetime", value: (i) => i.expires_at },
      { header: "Last change (UTC)", width: 16, kind: "datetime", value: (i) => i.last_at },
      { header: "By", width: 18, value: (i) => i.last_by ?? NOT_REPORTED },
      { header: "Invitation id", width: 38, id: true, value: (i) => i.id }
    ],
    data.invitationChanges,
    { empty: noneNote(data, "invitation") }
  )

export const tokenChangesSheet = (workbook: Workbook, data: ReportData) =>
  addSheet<TokenChangeRow>(
    workbook,
    "Token changes",
    data.run.source,
    [
      { header: "Robot", width: 22, value: (t) => t.robot_name },
      { header: "Token name", width: 28, wrap: true, value: (t) => t.name },
      { header: "Token", width: 8, value: (t) => `…${t.token_suffix ?? "????"}` },
      { header: "Outcome", width: 20, value: tokenOutcome },
      { header: "Created (UTC)", width: 16, kind: "datetime", value: (t) => t.created_at },
      { header: "Expires (UTC)", width: 16, kind: "datetime", value: (t) => t.expires_at ?? "never" },
      { header: "Last change (UTC)", width: 16, kind: "datetime", value: (t) => t.last_at },
      { header: "By", width: 18, value: (t) => t.last_by ?? NOT_REPORTED },
      { header: "Token id", width: 38, id: true, value: (t) => t.id }
    ],
    data.tokenChanges,
    { empty: noneNote(data, "robot token") }
  )

export const webhookChangesSheet = (workbook: Workbook, data: ReportData) =>
  addSheet<WebhookChangeRow>(
    workbook,
    "Webhook changes",
    data.run.source,
    [
      { header: "URL", width: 40, wrap: true, value: (w) => w.url },
      { header: "Label", width: 16, value: (w) => w.label },
      { header: "Outcome", width: 40, wrap: true, value: webhookOutcome },
      { header: "Last change (UTC)", width: 16, kind: "datetime", value: (w) => w.last_at },
      { header: "By", width: 18, value: (w) => w.last_by ?? NOT_REPORTED },
      { header: "Webhook id", width: 38, id: true, value: (w) => w.id }
    ],
    data.webhookChanges,
    { empty: noneNote(data, "webhook") }
  )

/** A robot's membership changes with it: the log shows `robot_removed`, not also `member_removed`. */
const withoutRobotDuplicates = (changes: ReadonlyArray<ChangeRow>) =>
  changes.filter((c) =>
    !(c.robot_membership && (c.change_type === "member_added" || c.change_type === "member_removed"))
  )

export const changesSheet = (workbook: Workbook, data: ReportData) =>
  addSheet<ChangeRow>(
    workbook,
    "Changes",
    data.run.source,
    [
      { header: "Detected (UTC)", width: 16, kind: "datetime", value: (c) => c.detected_at },
      { header: "Run", width: 7, kind: "number", value: (c) => c.run_id },
      { header: "Change", width: 20, value: (c) => c.change_type },
      { header: "Entity type", width: 11, value: (c) => c.entity_type },
      { header: "Entity", width: 32, wrap: true, value: (c) => c.entity_name ?? c.entity_id },
      { header: "Before", width: 22, wrap: true, value: (c) => readableValues(c).before },
      { header: "After", width: 22, wrap: true, value: (c) => readableValues(c).after },
      // Who and when come from the access log, which only Ptolemy has.
      { header: "By", width: 18, onlyFor: "ptolemy", value: (c) => c.actor_display_name },
      { header: "Changed at (UTC)", width: 16, kind: "datetime", onlyFor: "ptolemy", value: (c) => c.changed_at },
      { header: "Entity id", width: 38, id: true, value: (c) => c.entity_id }
    ],
    withoutRobotDuplicates(data.changes),
    { empty: data.baseline ? "No changes." : "The first run of this workspace: nothing to compare with." }
  )
