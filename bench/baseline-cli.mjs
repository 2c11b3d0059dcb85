// The start-up baseline of `ptolemy-audit --help`: Node importing the packages the CLI is built on, doing nothing.
import "effect"
import "@effect/cli"
import "@effect/platform-node"
