// Small, dependency-free SVG charts for the HTML report and reports/plots/*.svg: a line chart and a
// grouped bar chart, with linear scales, axes on "nice" ticks, a legend and a <title>/<desc> for
// screen readers. Each chart is a standalone SVG document that can also be inlined in HTML. Every
// text that goes into the markup is escaped here; callers pass plain strings.

/** Escapes text for HTML or SVG content and double- or single-quoted attribute values. */
export function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;')
}

/** About `count` round tick values (steps of 1, 2 or 5 × 10^k) covering [min, max]. */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!(Number.isFinite(min) && Number.isFinite(max))) return []
  if (min === max) return [min]
  const [lo, hi] = min < max ? [min, max] : [max, min]
  const raw = (hi - lo) / Math.max(1, count)
  const power = 10 ** Math.floor(Math.log10(raw))
  const step = ([1, 2, 5, 10].find((m) => m * power >= raw) ?? 10) * power
  const first = Math.floor(lo / step + 1e-9)
  const last = Math.ceil(hi / step - 1e-9)
  const ticks: number[] = []
  // Multiplying integers by the step (not adding steps) keeps 0.1 + 0.2 noise out of the labels.
  for (let i = first; i <= last; i++) ticks.push(Number((i * step).toPrecision(12)))
  return ticks
}

export type Domain = [number, number]

/** The data extent widened to the nice ticks around it (a constant series gets ±1). */
export function niceDomain(values: number[], count = 5, includeZero = false): Domain {
  const finite = values.filter(Number.isFinite)
  if (includeZero) finite.push(0)
  if (finite.length === 0) return [0, 1]
  let lo = Math.min(...finite)
  let hi = Math.max(...finite)
  if (lo === hi) [lo, hi] = [lo - 1, hi + 1]
  const ticks = niceTicks(lo, hi, count)
  return [ticks[0] ?? lo, ticks[ticks.length - 1] ?? hi]
}

function scale([d0, d1]: Domain, [r0, r1]: Domain): (v: number) => number {
  const k = d1 === d0 ? 0 : (r1 - r0) / (d1 - d0)
  return (v) => r0 + (v - d0) * k
}

const r = (v: number) => String(Math.round(v * 10) / 10)

export interface LegendEntry {
  name: string
  color: string
  /** stroke-dasharray of a line entry. */
  dash?: string
  /** A filled square (bars) instead of a line sample. */
  swatch?: boolean
}

const LEGEND_CHAR = 7 // px per character at 12 px: an estimate, SVG cannot measure text here.

function legendWidth(entries: LegendEntry[]): number {
  if (entries.length === 0) return 0
  return Math.min(220, 40 + LEGEND_CHAR * Math.max(...entries.map((e) => e.name.length)))
}

function legend(entries: LegendEntry[], x: number, y: number): string {
  const items = entries.map((e, i) => {
    const cy = y + i * 20
    const sample = e.swatch
      ? `<rect x="0" y="${cy - 6}" width="12" height="12" rx="2" fill="${escapeXml(e.color)}"/>`
      : `<line x1="0" x2="22" y1="${cy}" y2="${cy}" stroke="${escapeXml(e.color)}" stroke-width="2.5"` +
        (e.dash ? ` stroke-dasharray="${escapeXml(e.dash)}"` : '') +
        '/>'
    const tx = e.swatch ? 18 : 28
    return `${sample}<text x="${tx}" y="${cy}" dominant-baseline="middle">${escapeXml(e.name)}</text>`
  })
  return `<g class="legend" transform="translate(${r(x)},0)">${items.join('')}</g>`
}

export interface ChartFrame {
  /** Unique in the page: used for the ids of <title> and <desc>. */
  id: string
  title: string
  /** A sentence for screen readers: what the chart shows. */
  description: string
  xLabel: string
  yLabel: string
  width?: number
  height?: number
  yFormat?: (v: number) => string
  yTicks?: number
}

interface Plot {
  left: number
  top: number
  right: number
  bottom: number
}

function plotArea(frame: ChartFrame, legendW: number): Plot {
  const width = frame.width ?? 720
  const height = frame.height ?? 400
  return {
    left: 72,
    top: 16,
    right: width - 16 - (legendW > 0 ? legendW + 16 : 0),
    bottom: height - 52,
  }
}

export const SVG_NS = 'http://www.w3.org/2000/svg'

/**
 * The root element, with what a standalone .svg file needs (the namespace, a white background): the
 * charts are also written as image files, and every style is an attribute, none comes from CSS.
 */
function open(frame: ChartFrame): string {
  const width = frame.width ?? 720
  const height = frame.height ?? 400
  const id = escapeXml(frame.id)
  return (
    `<svg xmlns="${SVG_NS}" class="chart" viewBox="0 0 ${width} ${height}" width="${width}" ` +
    `height="${height}" role="img" aria-labelledby="${id}-title ${id}-desc" ` +
    `font-family="system-ui, sans-serif" font-size="12" fill="#222">` +
    `<title id="${id}-title">${escapeXml(frame.title)}</title>` +
    `<desc id="${id}-desc">${escapeXml(frame.description)}</desc>` +
    // Opaque, so the chart reads the same as an image file on any background (a dark viewer).
    '<rect width="100%" height="100%" fill="#fff"/>'
  )
}

/** Horizontal grid lines, y tick labels and both axis titles. */
function yAxis(frame: ChartFrame, p: Plot, ticks: number[], y: (v: number) => number): string {
  const fmt = frame.yFormat ?? String
  const lines = ticks.map((t) => {
    const ty = r(y(t))
    return (
      `<line x1="${p.left}" x2="${r(p.right)}" y1="${ty}" y2="${ty}" stroke="#e3e3e3"/>` +
      `<text x="${p.left - 8}" y="${ty}" text-anchor="end" dominant-baseline="middle">${escapeXml(fmt(t))}</text>`
    )
  })
  const midY = r((p.top + p.bottom) / 2)
  const midX = r((p.left + p.right) / 2)
  return (
    `<g class="y-axis">${lines.join('')}</g>` +
    `<line x1="${p.left}" x2="${r(p.right)}" y1="${r(p.bottom)}" y2="${r(p.bottom)}" stroke="#888"/>` +
    `<text x="16" y="${midY}" transform="rotate(-90 16 ${midY})" text-anchor="middle" font-weight="600">${escapeXml(frame.yLabel)}</text>` +
    `<text x="${midX}" y="${r(p.bottom + 42)}" text-anchor="middle" font-weight="600">${escapeXml(frame.xLabel)}</text>`
  )
}

function xTick(x: number, p: Plot, label: string): string {
  return (
    `<line x1="${r(x)}" x2="${r(x)}" y1="${r(p.bottom)}" y2="${r(p.bottom + 5)}" stroke="#888"/>` +
    `<text x="${r(x)}" y="${r(p.bottom + 18)}" text-anchor="middle">${escapeXml(label)}</text>`
  )
}

export interface LineSeries extends LegendEntry {
  /** [x, y] points; a null y breaks the line. */
  points: [number, number | null][]
  strokeWidth?: number
}

export interface LineChartOptions extends ChartFrame {
  series: LineSeries[]
  xDomain?: Domain
  yDomain?: Domain
  xFormat?: (v: number) => string
  xTicks?: number
  /** Vertical rules at an x, labelled at the top of the plot (e.g. learning-rate cuts). */
  markers?: { x: number; label: string }[]
  /** Labelled dots (e.g. the best epoch). */
  points?: { x: number; y: number; label: string; color: string }[]
}

function pathOf(
  points: [number, number | null][],
  x: (v: number) => number,
  y: (v: number) => number
) {
  let d = ''
  let pen = false
  for (const [px, py] of points) {
    if (py === null || !Number.isFinite(py) || !Number.isFinite(px)) {
      pen = false
      continue
    }
    d += `${pen ? 'L' : 'M'}${r(x(px))} ${r(y(py))}`
    pen = true
  }
  return d
}

export function lineChart(o: LineChartOptions): string {
  const legendW = legendWidth(o.series)
  const p = plotArea(o, legendW)
  const xs = o.series.flatMap((s) => s.points.map(([px]) => px))
  const ys = o.series.flatMap((s) => s.points.flatMap(([, py]) => (py === null ? [] : [py])))
  const xDomain = o.xDomain ?? niceDomain(xs, o.xTicks)
  const yDomain = o.yDomain ?? niceDomain(ys, o.yTicks)
  const x = scale(xDomain, [p.left, p.right])
  const y = scale(yDomain, [p.bottom, p.top])
  const xFmt = o.xFormat ?? String
  const xTicks = niceTicks(xDomain[0], xDomain[1], o.xTicks).filter(
    (t) => t >= xDomain[0] && t <= xDomain[1]
  )
  const yTicks = niceTicks(yDomain[0], yDomain[1], o.yTicks).filter(
    (t) => t >= yDomain[0] && t <= yDomain[1]
  )
  const markers = (o.markers ?? []).map((m, i) => {
    const mx = r(x(m.x))
    const ty = p.top + 12 + (i % 4) * 14 // one row per label (cycling), so neighbours do not overlap
    // Near the right edge the label goes on the left of its rule, so it stays inside the plot.
    const flip = x(m.x) + 8 + m.label.length * 6.5 > p.right
    const tx = flip ? `${r(x(m.x) - 4)}" text-anchor="end` : r(x(m.x) + 4)
    return (
      `<line x1="${mx}" x2="${mx}" y1="${p.top}" y2="${r(p.bottom)}" stroke="#777" stroke-dasharray="3 3"/>` +
      `<text x="${tx}" y="${ty}" fill="#555" font-size="11" paint-order="stroke" stroke="#fff" ` +
      `stroke-width="3">${escapeXml(m.label)}</text>`
    )
  })
  const lines = o.series.map(
    (s) =>
      `<path d="${pathOf(s.points, x, y)}" fill="none" stroke="${escapeXml(s.color)}" ` +
      `stroke-width="${s.strokeWidth ?? 2}" stroke-linejoin="round"` +
      (s.dash ? ` stroke-dasharray="${escapeXml(s.dash)}"` : '') +
      `><title>${escapeXml(s.name)}</title></path>`
  )
  const dots = (o.points ?? []).map((d) => {
    const low = y(d.y) > (p.top + p.bottom) / 2 // label above a dot in the lower half, else below
    return (
      `<circle cx="${r(x(d.x))}" cy="${r(y(d.y))}" r="4.5" fill="#fff" stroke="${escapeXml(d.color)}" stroke-width="2"/>` +
      `<text x="${r(x(d.x))}" y="${r(y(d.y) + (low ? -12 : 20))}" text-anchor="middle" font-size="11" ` +
      `paint-order="stroke" stroke="#fff" stroke-width="3">${escapeXml(d.label)}</text>`
    )
  })
  return (
    open(o) +
    yAxis(o, p, yTicks, y) +
    `<g class="x-axis">${xTicks.map((t) => xTick(x(t), p, xFmt(t))).join('')}</g>` +
    `<g class="markers">${markers.join('')}</g>` +
    `<g class="series">${lines.join('')}</g>` +
    `<g class="points">${dots.join('')}</g>` +
    legend(o.series, p.right + 16, p.top + 8) +
    '</svg>'
  )
}

export interface BarGroup extends LegendEntry {
  /** One value per category; null draws no bar. */
  values: (number | null)[]
}

export interface BarChartOptions extends ChartFrame {
  categories: string[]
  groups: BarGroup[]
}

/** Grouped vertical bars: one band per category, one bar per group inside it. */
export function barChart(o: BarChartOptions): string {
  const entries = o.groups.map((g) => ({ ...g, swatch: true }))
  const legendW = legendWidth(entries)
  const p = plotArea(o, legendW)
  const values = o.groups.flatMap((g) => g.values.filter((v): v is number => v !== null))
  const yDomain = niceDomain(values, o.yTicks, true)
  const y = scale(yDomain, [p.bottom, p.top])
  const yTicks = niceTicks(yDomain[0], yDomain[1], o.yTicks)
  const fmt = o.yFormat ?? String
  const band = (p.right - p.left) / Math.max(1, o.categories.length)
  const inner = band * 0.8
  const barW = inner / Math.max(1, o.groups.length)
  const bars = o.categories.map((c, i) => {
    const x0 = p.left + i * band + (band - inner) / 2
    const rects = o.groups.map((g, j) => {
      const v = g.values[i]
      if (v === null || v === undefined || !Number.isFinite(v)) return ''
      const top = Math.min(y(v), y(0))
      const h = Math.abs(y(v) - y(0))
      return (
        `<rect x="${r(x0 + j * barW + 1)}" y="${r(top)}" width="${r(barW - 2)}" height="${r(h)}" ` +
        `fill="${escapeXml(g.color)}"><title>${escapeXml(`${c}, ${g.name}: ${fmt(v)}`)}</title></rect>`
      )
    })
    return rects.join('') + xTick(p.left + (i + 0.5) * band, p, c)
  })
  return (
    open(o) +
    yAxis(o, p, yTicks, y) +
    `<g class="bars">${bars.join('')}</g>` +
    legend(entries, p.right + 16, p.top + 8) +
    '</svg>'
  )
}
