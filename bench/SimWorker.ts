/**
 * The simulator on its own thread, so that the benchmark measures the client against an API that does not share
 * its event loop (as the real one does not). Messages: start options in, { url, token, workspace, minimum } out;
 * "stats" in, the request count and the most requests seen in flight out.
 */
import { parentPort, workerData } from "node:worker_threads"
import { type SimulatorOptions, startPtolemySimulator } from "../src/simulator/ptolemy/index.js"

const sim = await startPtolemySimulator(workerData as SimulatorOptions)
const pages = (n: number) => Math.max(1, Math.ceil(n / 200))
const robots = sim.world.list("robots").length
const webhooks = sim.world.list("webhooks").length
const chains = {
  members: pages(sim.world.list("memberships").length),
  robots: pages(robots) + 1,
  invitations: pages(sim.world.list("invitations").length),
  events: pages(sim.world.list("events").length),
  webhooks: pages(webhooks) + 1,
  workspace: 1,
  plan: 1
}
const total = 1 + chains.members + pages(robots) + robots + chains.invitations + 1 + pages(webhooks) + webhooks +
  chains.events
parentPort!.postMessage({
  url: sim.url,
  token: sim.tokens.admin,
  workspace: sim.workspace.slug,
  members: sim.world.list("memberships").length,
  minimum: { total, longestChain: Math.max(...Object.values(chains)) }
})
parentPort!.on("message", async (message: string) => {
  if (message === "stats") {
    parentPort!.postMessage({ requests: sim.stats.requests.length, maxInFlight: sim.stats.maxInFlight })
  }
  if (message === "close") {
    await sim.close()
    process.exit(0)
  }
})
