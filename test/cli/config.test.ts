import * as NodeContext from "@effect/platform-node/NodeContext"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Option } from "effect"
import { readFileSync } from "node:fs"
import { configJsonSchema, findingSettingsFrom, loadConfigFile, targetsFromConfig } from "../../src/cli/ConfigFile.js"

const examplePath = new URL("../../examples/audit.config.json", import.meta.url).pathname

describe("the config file", () => {
  it("the published JSON Schema is the one the tool decodes with (run scripts/write-config-schema.ts)", () => {
    const published = JSON.parse(readFileSync(new URL("../../docs/config.schema.json", import.meta.url), "utf8"))
    expect(published).toEqual(JSON.parse(JSON.stringify(configJsonSchema())))
  })

  it.effect("the documented example decodes, with tokens taken from the variables it names", () =>
    Effect.gen(function*() {
      const config = yield* loadConfigFile(examplePath)
      const targets = yield* targetsFromConfig(config, examplePath, {
        PTOLEMY_TOKEN_ACME: "secret-a",
        PTOLEMY_TOKEN_RESEARCH: "secret-b",
        TRANSACTIONLINK_API_TOKEN: "secret-c"
      })
      expect(
        targets.map((
          t
        ) => [t.source, t.source === "ptolemy" ? t.workspace : Option.getOrNull(t.workspace), t.tokenFrom, t.apiUrl])
      ).toEqual([
        ["ptolemy", "acme-capital", "PTOLEMY_TOKEN_ACME", "https://api.ptolemy.cloud/v1"],
        ["ptolemy", "acme-research", "PTOLEMY_TOKEN_RESEARCH", "https://api.ptolemy.cloud/v1"],
        ["transactionlink", null, "TRANSACTIONLINK_API_TOKEN", "https://api.transactionlink.io"]
      ])
      // The token is Redacted: it prints as <redacted>, never as itself.
      expect(String(targets[0]!.token)).not.toContain("secret-a")
      const settings = findingSettingsFrom(Option.some(config))
      expect(settings.thresholds.token_unused_days).toBe(30)
      expect(settings.thresholds.token_rotate_days).toBe(90)
      expect(settings.allowedDomains).toEqual(["acme.com", "acme-capital.co.uk"])
      expect(settings.suppressions[0]!.reason).toContain("SEC-1234")
    }).pipe(Effect.provide(NodeContext.layer)))

  it.effect("a missing token variable names the target and the variable", () =>
    Effect.gen(function*() {
      const config = yield* loadConfigFile(examplePath)
      const result = yield* Effect.either(targetsFromConfig(config, examplePath, { PTOLEMY_TOKEN_ACME: "x" }))
      expect(Either.isLeft(result) && result.left.message).toContain(
        "targets.1: the environment variable PTOLEMY_TOKEN_RESEARCH"
      )
    }).pipe(Effect.provide(NodeContext.layer)))
})
