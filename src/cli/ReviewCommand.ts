/**
 * `ptolemy-audit review start|import|status|close`: the access review campaign (docs/review.md). The handlers are
 * loaded when a review command runs, so that other commands do not load the review's code.
 */
import { Args, Command, Options } from "@effect/cli"
import { Effect } from "effect"
import * as O from "./Options.js"

const campaign = Options.text("campaign").pipe(
  Options.withPseudoName("ID"),
  Options.withDescription("The campaign id (default: the workspace's open campaign, or the one the file names)."),
  Options.optional
)

const startCommand = Command.make(
  "start",
  {
    db: O.db,
    reports: O.reports,
    period: Options.text("period").pipe(
      Options.withPseudoName("PERIOD"),
      Options.withDescription(
        "Freeze the last complete run of this review period: 2026-Q1, 2026-03, 2026 or START..END."
      ),
      Options.optional
    ),
    run: Options.text("run").pipe(
      Options.withPseudoName("RUN"),
      Options.withDescription(
        "Freeze this run (a run id, latest, or a date: the last run of that day); default: the latest complete run."
      ),
      Options.optional
    ),
    workspace: O.storedWorkspace,
    reviewers: Options.text("reviewer").pipe(
      Options.withPseudoName("EMAIL"),
      Options.withDescription("A reviewer's email (repeat the option for several)."),
      Options.repeated
    ),
    due: Options.text("due").pipe(
      Options.withPseudoName("DATE"),
      Options.withDescription("The date decisions are due (YYYY-MM-DD)."),
      Options.optional
    )
  },
  (options) => Effect.flatMap(Effect.promise(() => import("./commands/reviewStart.js")), (m) => m.reviewStart(options))
).pipe(
  Command.withDescription(
    "Freeze the population of one complete run (members, active robot tokens, pending invitations) into a review campaign, and write <reports>/review-<id>/review.xlsx and review.csv for the reviewers."
  )
)

const importCommand = Command.make(
  "import",
  {
    file: Args.text({ name: "FILE" }).pipe(Args.withDescription("The filled-in review sheet (.xlsx or .csv).")),
    db: O.db,
    campaign,
    reviewer: Options.text("reviewer").pipe(
      Options.withPseudoName("EMAIL"),
      Options.withDescription("The reviewer of rows whose Reviewer cell is empty."),
      Options.optional
    )
  },
  (options) =>
    Effect.flatMap(Effect.promise(() => import("./commands/reviewImport.js")), (m) => m.reviewImport(options))
).pipe(
  Command.withDescription(
    "Record the decisions of a filled-in review sheet (saved by Excel, LibreOffice or Google Sheets) with the file's SHA-256; rows whose facts were edited are rejected; exit 1 when some rows were rejected, 2 when the file belongs to no campaign."
  )
)

const statusCommand = Command.make(
  "status",
  {
    db: O.db,
    campaign,
    workspace: O.storedWorkspace,
    json: Options.boolean("json").pipe(Options.withDescription("Print JSON instead of a table."))
  },
  (options) =>
    Effect.flatMap(Effect.promise(() => import("./commands/reviewStatus.js")), (m) => m.reviewStatus(options))
).pipe(
  Command.withDescription(
    "Each campaign's progress: items, decided, keep / remove / change role, self-reviews, undecided privileged items, overdue."
  )
)

const closeCommand = Command.make(
  "close",
  {
    db: O.db,
    campaign,
    workspace: O.storedWorkspace,
    signedBy: Options.text("signed-by").pipe(
      Options.withPseudoName("NAME"),
      Options.withDescription("Who signs the campaign off (a name or email).")
    ),
    acceptUndecided: Options.text("accept-undecided").pipe(
      Options.withPseudoName("REASON"),
      Options.withDescription("Sign off although privileged items are undecided, for this reason (recorded)."),
      Options.optional
    )
  },
  (options) => Effect.flatMap(Effect.promise(() => import("./commands/reviewClose.js")), (m) => m.reviewClose(options))
).pipe(
  Command.withDescription(
    "Sign a campaign off (refused while privileged items are undecided, unless --accept-undecided); the sign-off joins the integrity chain that verify checks."
  )
)

/** In the order of the job, as `review --help` lists them: a campaign starts before it closes. */
export const reviewSubcommands = [startCommand, importCommand, statusCommand, closeCommand] as const

export const reviewCommand = Command.make("review").pipe(
  Command.withDescription(
    "Access review campaigns: freeze a run's access, hand the sheet to reviewers, read their decisions back, sign off (docs/review.md)."
  ),
  Command.withSubcommands(reviewSubcommands)
)
