/** `ptolemy-audit review status`: each campaign's progress, newest first (or one campaign), as a table or JSON. */
import { Console, Effect, Option } from "effect"
import { allCampaigns, campaignById, hasReviews } from "../../read/Review.js"
import { Database } from "../../store/Database.js"
import { usageError } from "../ExitCode.js"
import { render } from "../Output.js"
import { resolveWorkspace } from "../Resolve.js"
import { readableStore } from "./common.js"
import { reviewExit } from "./reviewCommon.js"

export interface ReviewStatusInput {
  readonly db: string
  readonly campaign: Option.Option<string>
  readonly workspace: Option.Option<string>
  readonly json: boolean
}

const columns = [
  "campaign",
  "workspace",
  "run",
  "period",
  "status",
  "due",
  "overdue",
  "items",
  "decided",
  "keep",
  "remove",
  "change_role",
  "self_reviews",
  "undecided_privileged",
  "signed_by"
]

export const reviewStatus = (input: ReviewStatusInput) =>
  Effect.gen(function*() {
    const db = yield* Database
    const campaigns = !(yield* hasReviews(db))
      ? []
      : Option.isSome(input.campaign)
      ? Option.toArray(yield* campaignById(db, input.campaign.value))
      : yield* allCampaigns(
        db,
        Option.isSome(input.workspace) ? yield* resolveWorkspace(db, input.workspace) : undefined
      )
    if (Option.isSome(input.campaign) && campaigns.length === 0) {
      return yield* Effect.fail(usageError(`There is no campaign ${input.campaign.value} in ${input.db}.`))
    }
    if (input.json) return yield* Console.log(JSON.stringify(campaigns, null, 2))
    if (campaigns.length === 0) {
      return yield* Console.log("No review campaign yet: start one with `ptolemy-audit review start`.")
    }
    const rows = campaigns.map((c) => ({
      campaign: c.campaign_id,
      workspace: c.workspace_slug ?? c.workspace_name ?? c.workspace_id,
      run: c.run_id,
      period: c.period,
      status: c.status,
      due: c.due_on,
      overdue: c.overdue ? "yes" : "no",
      items: c.items,
      decided: c.decided,
      keep: c.keep,
      remove: c.remove,
      change_role: c.change_role,
      self_reviews: c.self_reviews,
      undecided_privileged: c.undecided_privileged,
      signed_by: c.signed_by
    }))
    yield* Console.log(render("table", { columns, rows }).replace(/\n$/, ""))
  }).pipe(Effect.provide(readableStore(input.db)), reviewExit)
