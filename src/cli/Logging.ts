/**
 * Progress and diagnostics go to stderr, one line each, so that stdout carries only results (a table, CSV, JSON).
 * PTOLEMY_AUDIT_LOG_LEVEL (debug, info, warning, error, none) sets how much is said.
 */
import { HashMap, Layer, Logger, LogLevel } from "effect"
import { printable } from "./Output.js"

const levels: Record<string, LogLevel.LogLevel> = {
  debug: LogLevel.Debug,
  info: LogLevel.Info,
  warning: LogLevel.Warning,
  error: LogLevel.Error,
  none: LogLevel.None
}

const text = (message: unknown): string =>
  Array.isArray(message) ? message.map(text).join(" ") : typeof message === "string" ? message : String(message)

export const stderrLogger = Logger.make(({ annotations, logLevel, message }) => {
  const context = HashMap.toEntries(annotations)
    .filter(([key]) => key === "workspace")
    .map(([, value]) => `[${String(value)}] `)
    .join("")
  const prefix = logLevel._tag === "Warning" ? "warning: " : logLevel._tag === "Error" || logLevel._tag === "Fatal" ? "error: " : ""
  process.stderr.write(`${printable(`${prefix}${context}${text(message)}`, { keepLineBreaks: true })}\n`)
})

export const loggingLayer = (level: string | undefined): Layer.Layer<never> =>
  Layer.merge(
    Logger.replace(Logger.defaultLogger, stderrLogger),
    Logger.minimumLogLevel(levels[(level ?? "info").toLowerCase()] ?? LogLevel.Info)
  )
