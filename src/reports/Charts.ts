/**
 * The quota trends as a picture: each dimension's use against its limit over the window, with the forecast at the
 * current pace, drawn with Vega-Lite (compiled and rendered to SVG by Vega in Node, no browser) and rasterised to PNG
 * by resvg for the workbook. The renderers are loaded on first use (dynamic import), so that commands writing no
 * report never load them.
 */
import { Effect } from "effect"
import type { TopLevelSpec } from "vega-lite"
import { type QuotaPoint, type QuotaRow, type ReportData, ReportError } from "./ReportData.js"

export interface QuotaChart {
  readonly svg: string
  readonly png: Uint8Array
  /** The picture's size in CSS pixels (the PNG has twice as many, for print). */
  readonly width: number
  readonly height: number
  /** Alternative text for the picture. */
  readonly description: string
}

interface Sample {
  readonly dimension: string
  readonly at: string
  readonly value: number
  readonly series: "used" | "limit" | "forecast"
}

const DAY = 86400_000
/** How far ahead the forecast is drawn when the limit is not reached sooner. */
const FORECAST_DAYS = 30

/** The forecast: from the last reading, along the fitted growth, to the limit or 30 days ahead, whichever is first. */
const forecast = (dimension: string, last: QuotaPoint, fit: QuotaRow | undefined): ReadonlyArray<Sample> => {
  if (fit === undefined || fit.growth_per_day === null || !(fit.growth_per_day > 0) || last.used === null) return []
  const start = Date.parse(last.started_at)
  const reachAt = fit.projected_exhaustion_at === null
    ? Number.POSITIVE_INFINITY
    : Date.parse(fit.projected_exhaustion_at)
  const end = Math.min(start + FORECAST_DAYS * DAY, reachAt)
  if (!(end > start)) return []
  const value = fit.limit !== null && end === reachAt
    ? fit.limit
    : last.used + fit.growth_per_day * ((end - start) / DAY)
  return [
    { dimension, at: last.started_at, value: last.used, series: "forecast" },
    { dimension, at: new Date(end).toISOString(), value, series: "forecast" }
  ]
}

export const chartSamples = (data: ReportData): ReadonlyArray<Sample> => {
  const samples: Array<Sample> = []
  const dimensions = [...new Set(data.quotaHistory.map((p) => p.dimension))].sort()
  for (const dimension of dimensions) {
    const points = data.quotaHistory.filter((p) => p.dimension === dimension && p.used !== null)
    if (points.length === 0) continue
    for (const p of points) {
      samples.push({ dimension, at: p.started_at, value: p.used!, series: "used" })
      if (p.limit !== null) samples.push({ dimension, at: p.started_at, value: p.limit, series: "limit" })
    }
    samples.push(...forecast(dimension, points[points.length - 1]!, data.quotas.find((q) => q.dimension === dimension)))
  }
  return samples
}

const WIDTH = 860
const PANEL_HEIGHT = 130

/** The Vega-Lite specification: one panel per dimension, each with its own scale, dates in UTC. */
export const chartSpec = (samples: ReadonlyArray<Sample>, title: string, subtitle: string): TopLevelSpec => ({
  $schema: "https://vega.github.io/schema/vega-lite/v6.json",
  title: { text: title, subtitle, anchor: "start", fontSize: 15, subtitleFontSize: 12 },
  data: { values: samples.map((s) => ({ ...s })) },
  facet: {
    row: {
      field: "dimension",
      type: "nominal",
      title: null,
      header: { labelAngle: 0, labelAlign: "left", labelFontSize: 13, labelFontWeight: "bold", labelOrient: "top" }
    }
  },
  resolve: { scale: { y: "independent" } },
  spec: {
    width: WIDTH,
    height: PANEL_HEIGHT,
    mark: { type: "line", strokeWidth: 2.5 },
    encoding: {
      x: {
        field: "at",
        type: "temporal",
        scale: { type: "utc" },
        axis: { title: "date (UTC)", format: "%d %b", labelFontSize: 11 }
      },
      y: {
        field: "value",
        type: "quantitative",
        axis: { title: null, format: "~s", labelFontSize: 11 },
        scale: { zero: true }
      },
      color: {
        field: "series",
        type: "nominal",
        scale: { domain: ["used", "limit", "forecast"], range: ["#1f6feb", "#cf222e", "#6e7781"] },
        legend: { title: null, orient: "top", labelFontSize: 12 }
      },
      strokeDash: {
        field: "series",
        type: "nominal",
        scale: { domain: ["used", "limit", "forecast"], range: [[1, 0], [7, 4], [2, 3]] },
        legend: { title: null, orient: "top", labelFontSize: 12 }
      }
    }
  },
  config: { font: "DejaVu Sans, Liberation Sans, Arial, Helvetica, sans-serif", background: "white" }
})

const renderers = Effect.tryPromise({
  try: async () => {
    const [vega, vegaLite, resvg] = await Promise.all([import("vega"), import("vega-lite"), import("@resvg/resvg-js")])
    return { vega, vegaLite, Resvg: resvg.Resvg }
  },
  catch: (cause) =>
    new ReportError({
      message: `Could not load the chart renderers (vega, vega-lite, @resvg/resvg-js): ${String(cause)}`,
      cause
    })
})

/** The quota chart of a report, or null when there is nothing to draw (no plan, or a single reading). */
export const renderQuotaChart = (data: ReportData): Effect.Effect<QuotaChart | null, ReportError> =>
  Effect.gen(function*() {
    const samples = chartSamples(data)
    if (new Set(samples.filter((s) => s.series === "used").map((s) => s.at)).size < 2) return null
    const { Resvg, vega, vegaLite } = yield* renderers
    const first = data.quotaHistory[0]!.started_at.slice(0, 10)
    const last = data.run.started_at.slice(0, 10)
    const title = "Plan usage against limits"
    const subtitle = `${first} to ${last} (UTC); dotted: the forecast at the current pace`
    const svg = yield* Effect.tryPromise({
      try: () => {
        // Problems surface as exceptions; the libraries' console warnings would only be noise on stderr.
        const logger = vega.logger(vega.None)
        const compiled = vegaLite.compile(chartSpec(samples, title, subtitle), { logger }).spec
        return new vega.View(vega.parse(compiled), { renderer: "none", logger }).toSVG()
      },
      catch: (cause) => new ReportError({ message: `Could not draw the quota chart: ${String(cause)}`, cause })
    })
    const image = yield* Effect.try({
      try: () =>
        new Resvg(svg, {
          fitTo: { mode: "zoom", value: 2 },
          font: { loadSystemFonts: true, defaultFontFamily: "DejaVu Sans", sansSerifFamily: "DejaVu Sans" }
        }).render(),
      catch: (cause) => new ReportError({ message: `Could not rasterise the quota chart: ${String(cause)}`, cause })
    })
    const dimensions = [...new Set(samples.map((s) => s.dimension))]
    return {
      svg,
      png: image.asPng(),
      width: image.width / 2,
      height: image.height / 2,
      description: `${title}, ${subtitle}: ${dimensions.join(", ")}`
    }
  }).pipe(Effect.withSpan("Reports.chart"))
