// `node --import ./trace-loads.mjs ...`: records every module the process loads (see trace-hooks.mjs).
import { register } from "node:module"

register("./trace-hooks.mjs", import.meta.url)
