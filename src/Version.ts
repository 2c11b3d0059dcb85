/** The tool's version, as recorded in every run row and report: package.json's, imported (a bundler embeds it). */
import packageJson from "../package.json" with { type: "json" }

export const toolVersion: string = packageJson.version
