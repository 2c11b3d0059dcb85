/**
 * Progress and diagnostics go to stderr, one line each, so that stdout carries only results (a table, CSV, JSON).
 * `--log-level` (anywhere on the command line) or PTOLEMY_AUDIT_LOG_LEVEL sets how much is said.
 */
import { HashMap, Layer, Logger, LogLevel } from "effect"
import { printable } from "./Output.js"

export const logLevels = {
  debug: LogLevel.Debug,
  info: LogLevel.Info,
  warning: LogLevel.Warning,
  error: LogLevel.Error,
  none: LogLevel.None
} as const

export type LogLevelName = keyof typeof logLevels

export const isLogLevelName = (value: string): value is LogLevelName => Object.hasOwn(logLevels, value)

const text = (message: unknown): string =>
  Array.isArray(message) ? message.map(text).join(" ") : typeof message === "string" ? message : String(message)

export const stderrLogger = Logger.make(({ annotations, logLevel, message }) => {
  const context = HashMap.toEntries(annotations)
    .filter(([key]) => key === "workspace")
    .map(([, value]) => `[${String(value)}] `)
    .join("")
  const prefix = logLevel._tag === "Warning"
    ? "warning: "
    : logLevel._tag === "Error" || logLevel._tag === "Fatal"
    ? "error: "
    : ""
  process.stderr.write(`${printable(`${prefix}${context}${text(message)}`, { keepLineBreaks: true })}\n`)
})

export const loggingLayer = (level: LogLevelName): Layer.Layer<never> =>
  Layer.merge(Logger.replace(Logger.defaultLogger, stderrLogger), Logger.minimumLogLevel(logLevels[level]))
