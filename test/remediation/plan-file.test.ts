/** The plan file: its published JSON Schema is the one apply decodes with, and its hash covers every byte of meaning. */
import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import { readFileSync } from "node:fs"
import { printable } from "../../src/cli/Output.js"
import { planTable } from "../../src/remediation/Plan.js"
import { canonicalJson, planJsonSchema, planText, readPlan, sealPlan } from "../../src/remediation/PlanFile.js"
import { HOSTILE, RAW_CONTROL } from "../reports/Hostile.js"

const content = {
  created_at: "2026-04-05T09:00:00.000Z",
  source: "ptolemy" as const,
  workspace: { id: "ws-1", slug: "acme", name: "Acme" },
  run_id: 7,
  campaign_id: "1",
  policy: null,
  actions: [
    {
      id: "a1",
      kind: "remove_member" as const,
      target: {
        type: "member" as const,
        id: "m-1",
        label: "Bob",
        email: "bob@acme.example",
        ids: { membership_id: "m-1" }
      },
      new_role: null,
      reason: {
        type: "review" as const,
        text: "Remove: decided in review campaign 1 by ciso@acme.example on 2026-04-01",
        campaign_id: "1",
        item_key: "member:m-1",
        decision: "remove" as const,
        new_role: null,
        reviewer: "ciso@acme.example",
        reviewed_on: "2026-04-01",
        comment: null
      },
      call: { method: "DELETE" as const, path: "/workspaces/ws-1/memberships/m-1", body: null },
      precondition: { run_id: 7, role: "member", role_id: null, status: null, user_type: "human", access: null }
    }
  ],
  excluded: []
}

describe("the remediation plan file", () => {
  it("the published JSON Schema is the one apply decodes with (run scripts/write-remediation-plan-schema.ts)", () => {
    const published = JSON.parse(
      readFileSync(new URL("../../docs/remediation-plan.schema.json", import.meta.url), "utf8")
    )
    expect(published).toEqual(JSON.parse(JSON.stringify(planJsonSchema())))
  })

  it("canonical JSON does not depend on key order or layout", () => {
    expect(canonicalJson({ b: 1, a: [{ d: 2, c: null }] })).toBe("{\"a\":[{\"c\":null,\"d\":2}],\"b\":1}")
  })

  it("reads back what it wrote; any edit to the content, the hash or the id is refused", () => {
    const file = sealPlan(content)
    const text = planText(file)
    expect(Either.getOrThrow(readPlan(text, "plan.json"))).toEqual(file)
    // Re-indented or keys reordered: the same plan.
    const json = JSON.parse(text)
    expect(
      Either.isRight(
        readPlan(
          JSON.stringify({ plan: json.plan, hash: json.hash, plan_id: json.plan_id, version: 1, format: json.format }),
          "p"
        )
      )
    ).toBe(true)
    for (
      const edited of [
        text.replace("/memberships/m-1", "/memberships/m-2"),
        text.replace("\"member\"", "\"admin\""),
        text.replace(file.hash.slice(-4), "0000"),
        text.replace(`"plan_id": "${file.plan_id}"`, "\"plan_id\": \"0000000000000000\"")
      ]
    ) {
      const read = readPlan(edited, "plan.json")
      expect(Either.isLeft(read)).toBe(true)
    }
    expect(Either.getLeft(readPlan(text.replace("/memberships/m-1", "/memberships/m-2"), "plan.json"))).toEqual(
      expect.objectContaining({ value: expect.stringContaining("does not match its hash") })
    )
    // An unknown field is refused too (it would not be covered by the schema).
    expect(Either.isLeft(readPlan(text.replace("\"run_id\": 7,", "\"run_id\": 7, \"force\": true,"), "p"))).toBe(true)
  })

  it("the table remediate plan and apply print shows a hostile name's control characters instead of sending them", () => {
    const action = content.actions[0]!
    const hostile = {
      ...content,
      workspace: { ...content.workspace, slug: HOSTILE.bidi },
      actions: [{
        ...action,
        target: { ...action.target, label: HOSTILE.terminal, email: `${HOSTILE.carriageReturn}@acme.example` },
        reason: { ...action.reason, text: `Remove: ${HOSTILE.workspace}` }
      }],
      excluded: [{
        kind: "remove_member" as const,
        target_id: "m-2",
        label: `Mallory\n  - a9   remove_member           forged line`,
        why: HOSTILE.terminal,
        reason: HOSTILE.bidi
      }]
    }
    const table = planTable(hostile as unknown as Parameters<typeof planTable>[0], "p-1", printable)
    expect(table).not.toMatch(RAW_CONTROL)
    // Each action and each left-out target stays on its own lines: a newline in a name is shown, not obeyed.
    expect(table.split("\n").filter((line) => line.includes("forged line"))).toEqual([
      expect.stringMatching(/^ {2}! remove_member {11}Mallory\\x0a/)
    ])
    expect(table).toContain("\\x1b]0;pwned")
  })
})
