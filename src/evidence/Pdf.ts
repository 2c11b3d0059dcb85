/**
 * `--pdf`: `index.html` printed to `evidence.pdf` by a Chromium installed on this machine, driven by playwright-core
 * (loaded only here, so no other command pays for it). No browser is ever downloaded: the executable is
 * `CHROME_PATH`, else the first of chromium, chromium-browser, google-chrome and google-chrome-stable on PATH.
 */
import { Effect } from "effect"
import { accessSync, constants, statSync } from "node:fs"
import { delimiter, join } from "node:path"
import { pathToFileURL } from "node:url"
import { ReportError } from "../reports/ReportData.js"

export const CHROMIUM_NAMES = ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"] as const

const executable = (path: string) => {
  try {
    accessSync(path, constants.X_OK)
    return statSync(path).isFile()
  } catch {
    return false
  }
}

export type ChromiumSearch =
  | { readonly found: true; readonly path: string }
  | { readonly found: false; readonly message: string }

/** Where Chromium is, or a message saying what was looked for and how to install it. */
export const findChromium = (env: Readonly<Record<string, string | undefined>> = process.env): ChromiumSearch => {
  const given = env["CHROME_PATH"]
  if (given !== undefined && given !== "") {
    return executable(given)
      ? { found: true, path: given }
      : { found: false, message: `CHROME_PATH is ${given}, which is not an executable file.` }
  }
  for (const dir of (env["PATH"] ?? "").split(delimiter)) {
    for (const name of CHROMIUM_NAMES) {
      const path = join(dir, name)
      if (dir !== "" && executable(path)) return { found: true, path }
    }
  }
  return {
    found: false,
    message: `No Chromium found: none of ${
      CHROMIUM_NAMES.join(", ")
    } is on PATH and CHROME_PATH is not set. Install one (Debian or Ubuntu: apt-get install chromium) or set CHROME_PATH to its executable; no browser is downloaded.`
  }
}

/** Prints an HTML file to PDF (A4 landscape, as the page's print CSS asks, backgrounds kept). */
export const printPdf = (htmlPath: string, pdfPath: string, chromium: string): Effect.Effect<void, ReportError> =>
  Effect.tryPromise({
    try: async () => {
      const { chromium: launcher } = await import("playwright-core")
      const browser = await launcher.launch({ executablePath: chromium, headless: true })
      try {
        const page = await browser.newPage()
        await page.goto(pathToFileURL(htmlPath).href, { waitUntil: "load" })
        await page.pdf({ path: pdfPath, printBackground: true, preferCSSPageSize: true, format: "A4", landscape: true })
      } finally {
        await browser.close()
      }
    },
    catch: (cause) =>
      new ReportError({
        message: `Could not print ${htmlPath} to PDF with ${chromium}: ${
          cause instanceof Error ? cause.message.split("\n")[0] : String(cause)
        }`,
        cause
      })
  }).pipe(Effect.withSpan("Evidence.pdf"))
