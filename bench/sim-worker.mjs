// Worker entry: load tsx in the worker thread, then the TypeScript worker itself.
import { register } from "tsx/esm/api"

register()
await import("./SimWorker.ts")
