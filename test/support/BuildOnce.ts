/**
 * vitest's globalSetup: builds dist/ from the current sources once, before any test file runs, so that every CLI
 * test runs the compiled command line of the code under test, never a stale build.
 */
import { buildDist } from "../../scripts/build.mjs"

export default async function setup(): Promise<void> {
  await buildDist()
}
