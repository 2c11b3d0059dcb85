/**
 * The pack's page in a real browser: headless Chromium (the machine's own, found as `evidence --pdf` finds it,
 * driven by playwright-core) opens index.html from disk. No console error, no request but the file itself, every
 * section present and visible, a hostile workspace's strings rendering no element of theirs, and printing gives a
 * sane number of pages. Skipped, saying why, where no Chromium is installed (.ci/run installs one).
 * `EVIDENCE_SCREENSHOT=1` also saves the top of the page as docs/images/evidence.png for the README.
 */
import { Effect, Logger, LogLevel } from "effect"
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import type { Browser } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { sha256 } from "../../src/evidence/Manifest.js"
import { writeEvidencePack } from "../../src/evidence/Pack.js"
import { findChromium } from "../../src/evidence/Pdf.js"
import { hostileHistory } from "../reports/Hostile.js"
import { testStore } from "../support/Pipeline.js"
import { tempDir } from "../support/TempDir.js"
import { buildHistory, COMMAND, hostileScope, Q1 } from "./support.js"

const chromium = findChromium()
if (!chromium.found) console.warn(`Skipping the evidence page's browser test: ${chromium.message}`)

const SECTIONS = [
  "scope",
  "completeness",
  "population",
  "privileged",
  "joiners-movers-leavers",
  "robots-and-tokens",
  "access-review",
  "remediation",
  "time-to-removal",
  "open-findings"
]

/** Writes a pack over a fresh history into a folder that outlives the test file's scope, and returns its page. */
const pack = <E, R>(history: Effect.Effect<void, E, R>, scope: typeof Q1 | typeof hostileScope, dir: string) =>
  Effect.runPromise(
    Effect.scoped(
      Effect.gen(function*() {
        const db = yield* tempDir
        yield* Effect.provide(
          Effect.zipRight(history, writeEvidencePack(scope, dir, { commandLine: COMMAND, name: "pack" })),
          testStore(db)
        )
        return join(dir, "index.html")
      })
    ).pipe(Logger.withMinimumLogLevel(LogLevel.Warning)) as Effect.Effect<string>
  )

describe.skipIf(!chromium.found)("the evidence page in headless Chromium", () => {
  let browser: Browser | undefined
  const scratch = mkdtempSync(join(tmpdir(), "ptolemy-audit-browser-"))
  beforeAll(async () => {
    const { chromium: launcher } = await import("playwright-core")
    browser = await launcher.launch({ executablePath: chromium.found ? chromium.path : "", headless: true })
  })
  afterAll(async () => {
    await browser?.close()
    rmSync(scratch, { recursive: true, force: true })
  })

  it("opens offline with no console error and no request, shows every section, and prints to a sane number of pages", async () => {
    const page = await pack(buildHistory, Q1, join(scratch, "q1"))
    const tab = await browser!.newPage({ viewport: { width: 1280, height: 900 } })
    const problems: Array<string> = []
    const requests: Array<string> = []
    tab.on("console", (message) => {
      if (message.type() === "error" || message.type() === "warning") {
        problems.push(`${message.type()}: ${message.text()}`)
      }
    })
    tab.on("pageerror", (error) => problems.push(`page error: ${error.message}`))
    tab.on("request", (request) => requests.push(request.url()))
    await tab.goto(pathToFileURL(page).href, { waitUntil: "load" })
    expect(problems).toEqual([])
    expect(requests).toEqual([pathToFileURL(page).href])
    for (const id of SECTIONS) {
      const section = tab.locator(`section#${id}`)
      expect({ id, visible: await section.isVisible() }).toEqual({ id, visible: true })
      expect((await section.locator("h2").innerText()).length).toBeGreaterThan(3)
    }
    // The sections without input say so, visibly.
    await expect(tab.locator("section#remediation p.none").innerText()).resolves.toContain("None in this period")
    // The chart is drawn inline.
    expect(await tab.locator("section#completeness figure.chart svg").count()).toBe(1)
    const pdf = await tab.pdf({ printBackground: true, preferCSSPageSize: true })
    const pages = (pdf.toString("latin1").match(/\/Type\s*\/Page(?!s)/g) ?? []).length
    // Every section starts a page of its own; a small history fits in a few pages more.
    expect(pages).toBeGreaterThanOrEqual(SECTIONS.length)
    expect(pages).toBeLessThan(40)
    if (process.env["EVIDENCE_SCREENSHOT"]) {
      const out = fileURLToPath(new URL("../../docs/images/evidence.png", import.meta.url))
      mkdirSync(join(out, ".."), { recursive: true })
      await tab.screenshot({ path: out, clip: { x: 0, y: 0, width: 1280, height: 1500 }, fullPage: true })
    }
    await tab.close()
  })

  it("--pdf prints the page with the local Chromium into evidence.pdf, listed in the manifest", async () => {
    const out = join(scratch, "pdf")
    await Effect.runPromise(
      Effect.scoped(
        Effect.gen(function*() {
          const db = yield* tempDir
          yield* Effect.provide(
            Effect.zipRight(
              buildHistory,
              writeEvidencePack(Q1, out, {
                commandLine: `${COMMAND} --pdf`,
                name: "pack",
                chromium: chromium.found ? chromium.path : undefined
              })
            ),
            testStore(db)
          )
        })
      ).pipe(Logger.withMinimumLogLevel(LogLevel.Warning)) as Effect.Effect<void>
    )
    const pdf = readFileSync(join(out, "evidence.pdf"))
    expect(pdf.subarray(0, 5).toString("latin1")).toBe("%PDF-")
    const manifest = JSON.parse(readFileSync(join(out, "manifest.json"), "utf8")) as {
      files: Array<{ path: string; sha256: string }>
    }
    expect(manifest.files.find((f) => f.path === "evidence.pdf")?.sha256).toBe(sha256(pdf))
  })

  it("renders a hostile workspace's strings as text: no element, script or request of theirs", async () => {
    const page = await pack(hostileHistory(2), hostileScope, join(scratch, "hostile"))
    const tab = await browser!.newPage()
    const requests: Array<string> = []
    const problems: Array<string> = []
    tab.on("request", (request) => requests.push(request.url()))
    tab.on("console", (message) => message.type() === "error" && problems.push(message.text()))
    tab.on("dialog", (dialog) => {
      problems.push(`dialog: ${dialog.message()}`)
      void dialog.dismiss()
    })
    await tab.goto(pathToFileURL(page).href, { waitUntil: "load" })
    expect(requests).toEqual([pathToFileURL(page).href])
    expect(problems).toEqual([])
    expect(await tab.locator("img, script, details, summary, iframe, object, embed").count()).toBe(0)
    expect(await tab.locator("h1").innerText()).toBe("Acme # Owned <img src=x onerror=alert(1)>")
    await tab.close()
  })
})
