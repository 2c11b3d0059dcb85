/**
 * The pipeline's direction, written down once and checked by `npm run lint:imports` (dependency-cruiser) in CI:
 *
 *   cli → job → {source, roster, review, history, analyses, store}; cli → {reports, review, history, read};
 *   reports, review, history → read → analyses → store; snapshot/ is the vocabulary under all, files/ a leaf any may use.
 *
 * Each rule below names what a folder may not reach; docs/architecture.md explains why.
 */
const folder = (name) => `^src/${name}/`
const outside = (...names) => `^src/(?!(?:${names.join("|")})/)`

/** @type {import("dependency-cruiser").IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-cycles",
      comment: "A cycle between modules hides which one is the lower layer.",
      severity: "error",
      from: { path: "^src/" },
      // A type-only import back (a module naming the type of the one that builds it) is no layering at run time.
      to: { circular: true, viaOnly: { dependencyTypesNot: ["type-only"] } }
    },
    {
      name: "snapshot-is-the-vocabulary",
      comment: "snapshot/ holds the records every stage speaks; it imports no other stage.",
      severity: "error",
      from: { path: folder("snapshot") },
      to: { path: outside("snapshot") }
    },
    {
      name: "source-knows-no-store",
      comment: "A source reads an API into records; it knows nothing of DuckDB, the analyses, the reports or the CLI.",
      severity: "error",
      from: { path: folder("source") },
      to: { path: outside("source", "snapshot") }
    },
    {
      name: "store-knows-no-source",
      comment: "The store keeps whatever records it is given: it imports no source, job, report or CLI.",
      severity: "error",
      from: { path: folder("store") },
      to: { path: outside("store", "snapshot") }
    },
    {
      name: "reports-read-the-store-only",
      comment: "Reports are written from stored data through the read model: never from a source, a job or the CLI.",
      severity: "error",
      from: { path: folder("reports") },
      to: { path: "^src/(source|job|cli|simulator)/" }
    },
    {
      name: "read-model-is-read-only",
      comment: "The read model queries the store's views; it knows no source, job, report or CLI.",
      severity: "error",
      from: { path: folder("read") },
      to: { path: "^src/(source|job|cli|simulator|reports)/" }
    },
    {
      name: "files-is-a-leaf",
      comment: "files/ reads and writes file formats (CSV) for any stage; it imports no stage.",
      severity: "error",
      from: { path: folder("files") },
      to: { path: outside("files") }
    },
    {
      name: "analyses-over-the-store",
      comment: "The analyses are SQL over the store's tables; they know no source, job, read model, report or CLI.",
      severity: "error",
      from: { path: folder("analyses") },
      to: { path: outside("analyses", "store", "snapshot") }
    },
    {
      name: "roster-knows-no-source",
      comment: "The roster turns a directory export into records for the store; it knows no API, job, report or CLI.",
      severity: "error",
      from: { path: folder("roster") },
      to: { path: outside("roster", "store", "snapshot", "files") }
    },
    {
      name: "history-over-the-store",
      comment:
        "The integrity chain, the Parquet export and the ledger read the store (and the read model); never a source, a job, a report or the CLI.",
      severity: "error",
      from: { path: folder("history") },
      to: { path: "^src/(source|job|cli|simulator|reports|review|roster)/" }
    },
    {
      name: "review-over-the-store",
      comment:
        "Review campaigns are kept in the store and read through the read model; they know no source, job, report or CLI.",
      severity: "error",
      from: { path: folder("review") },
      to: { path: "^src/(source|job|cli|simulator|reports)/" }
    },
    {
      name: "evidence-from-stored-data",
      comment:
        "An evidence pack is made from the stored history alone (through the read model and the report writers): never from a source, a job or the CLI.",
      severity: "error",
      from: { path: folder("evidence") },
      to: { path: "^src/(source|job|cli|simulator|review|roster)/" }
    },
    {
      name: "remediation-over-the-store",
      comment:
        "Remediation plans from the stored history and writes through its own client on the http kit; it knows no job, report, simulator or CLI.",
      severity: "error",
      from: { path: folder("remediation") },
      to: { path: "^src/(job|cli|simulator|reports|evidence)/" }
    },
    {
      name: "simulators-know-no-client",
      comment:
        "The simulators are written from the API references, so they and the clients can disagree and a test catch it.",
      severity: "error",
      from: { path: folder("simulator") },
      // A type from the vocabulary (which sources exist) is no code shared with a client.
      to: { path: outside("simulator"), pathNot: "^src/snapshot/Records\\.ts$", dependencyTypesNot: ["type-only"] }
    },
    {
      name: "only-the-cli-starts-simulators",
      comment: "The simulators are loaded by demo and simulate alone (and by tests and the bench, outside src/).",
      severity: "error",
      from: { path: "^src/", pathNot: "^src/(cli|simulator)/" },
      to: { path: folder("simulator") }
    },
    {
      name: "the-cli-is-the-top",
      comment: "Nothing below the command line imports it; main.ts starts it.",
      severity: "error",
      from: { path: "^src/", pathNot: "^src/(cli/|main\\.ts$)" },
      to: { path: folder("cli") }
    },
    {
      name: "job-knows-no-report-writer",
      comment: "The job snapshots and analyses; the CLI decides whether reports are written.",
      severity: "error",
      from: { path: folder("job") },
      to: { path: "^src/(reports|cli|simulator)/" }
    },
    {
      name: "writes-only-from-remediate-apply",
      comment:
        "The writing client is provided by `remediate apply` alone (and the demo, against its own simulator): every other command can send only reads.",
      severity: "error",
      from: { path: "^src/", pathNot: "^src/(remediation/|cli/commands/(remediate|demoRemediation))" },
      to: { path: "^src/remediation/WriteClient" }
    }
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { exportsFields: ["exports"], conditionNames: ["import", "require", "node", "default"] }
  }
}
