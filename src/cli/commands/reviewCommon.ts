/** What the review commands share: their exit codes, the clock, and choosing the campaign a command is about. */
import { Clock, Effect, Option } from "effect"
import { allCampaigns, campaignById, type CampaignRow } from "../../read/Review.js"
import type { ReviewError } from "../../review/ReviewError.js"
import type { DatabaseService, StoreError } from "../../store/Database.js"
import { type CommandExit, runFailed, usageError } from "../ExitCode.js"
import { resolveWorkspace } from "../Resolve.js"

/** A refusal or a file of no campaign is bad usage (exit 2, nothing written); a failure to store or write is 3. */
export const reviewExit = <A, R>(
  effect: Effect.Effect<A, ReviewError | StoreError | CommandExit, R>
): Effect.Effect<A, CommandExit, R> =>
  Effect.catchAll(effect, (error) =>
    Effect.fail(
      error._tag === "CommandExit"
        ? error
        : error._tag === "ReviewError" && error.reason !== "Write"
        ? usageError(error.message)
        : runFailed(error.message)
    ))

export const now = Effect.map(Clock.currentTimeMillis, (ms) => new Date(ms))

/** `--campaign`, or else the one open campaign (of `--workspace` when given). */
export const chooseCampaign = (
  db: DatabaseService,
  campaign: Option.Option<string>,
  workspace: Option.Option<string>
): Effect.Effect<CampaignRow, CommandExit | StoreError> =>
  Effect.gen(function*() {
    if (Option.isSome(campaign)) {
      const found = yield* campaignById(db, campaign.value)
      if (Option.isSome(found)) return found.value
      return yield* Effect.fail(usageError(`There is no campaign ${campaign.value} in ${db.path}.`))
    }
    const scope = Option.isSome(workspace) ? yield* resolveWorkspace(db, workspace) : undefined
    const open = (yield* allCampaigns(db, scope)).filter((c) => c.status === "open")
    if (open.length === 1) return open[0]!
    return yield* Effect.fail(
      usageError(
        open.length === 0
          ? "There is no open campaign: start one with `ptolemy-audit review start`, or name one with --campaign."
          : `Several campaigns are open (${open.map((c) => c.campaign_id).join(", ")}): choose one with --campaign.`
      )
    )
  })
