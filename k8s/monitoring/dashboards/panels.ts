// Small builders over @grafana/grafana-foundation-sdk that give every fcv panel the same shape: the
// `${datasource}` variable, a description, a unit, refIds A, B, ... and a legend. The dashboards
// (fleet-overview.ts, control-plane.ts) are lists of these.

import * as bargauge from '@grafana/grafana-foundation-sdk/bargauge'
import type * as cog from '@grafana/grafana-foundation-sdk/cog'
import * as common from '@grafana/grafana-foundation-sdk/common'
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard'
import * as heatmap from '@grafana/grafana-foundation-sdk/heatmap'
import * as prometheus from '@grafana/grafana-foundation-sdk/prometheus'
import * as stat from '@grafana/grafana-foundation-sdk/stat'
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries'

export const DATASOURCE = { type: 'prometheus', uid: '${datasource}' }

/** A query: its PromQL and the legend ({{label}} templates). */
export type Query = readonly [expr: string, legend: string]

export interface PanelSpec {
  title: string
  description: string
  unit: string
  queries: readonly Query[]
  /** Grid columns of 24. */
  width?: number
  height?: number
  /** [value, color] steps; the first value is null (from -Infinity). */
  thresholds?: readonly (readonly [number | null, string])[]
  min?: number
  max?: number
}

type Panel = cog.Builder<dashboard.Panel>

/** The datasource variable every panel uses, restricted to Prometheus data sources. */
export function datasourceVariable(): dashboard.DatasourceVariableBuilder {
  return new dashboard.DatasourceVariableBuilder('datasource')
    .label('Data source')
    .type('prometheus')
}

/** A label-values variable with an "All" that matches every value (also none). */
export function labelVariable(
  name: string,
  label: string,
  query: string
): dashboard.QueryVariableBuilder {
  return new dashboard.QueryVariableBuilder(name)
    .label(label)
    .datasource(DATASOURCE)
    .query({ query, refId: `${name}-values` })
    .definition(query)
    .refresh(dashboard.VariableRefresh.OnTimeRangeChanged)
    .sort(dashboard.VariableSort.AlphabeticalAsc)
    .multi(true)
    .includeAll(true)
    .allValue('.*')
    .current({ text: 'All', value: '$__all' })
}

function targets(queries: readonly Query[], instant: boolean, format?: prometheus.PromQueryFormat) {
  return queries.map(([expr, legend], i) => {
    const q = new prometheus.DataqueryBuilder()
      .refId(String.fromCharCode(65 + i))
      .expr(expr)
      .legendFormat(legend)
    if (instant) q.instant()
    else q.range()
    if (format) q.format(format)
    return q
  })
}

function thresholdsOf(spec: PanelSpec): dashboard.ThresholdsConfigBuilder {
  const steps = spec.thresholds ?? [[null, 'green']]
  return new dashboard.ThresholdsConfigBuilder()
    .mode(dashboard.ThresholdsMode.Absolute)
    .steps(steps.map(([value, color]) => ({ value, color })))
}

const legend = () =>
  new common.VizLegendOptionsBuilder()
    .showLegend(true)
    .displayMode(common.LegendDisplayMode.List)
    .placement(common.LegendPlacement.Bottom)

/** A time series; thresholds, when given, are drawn as dashed lines (an SLO, a PSI limit). */
export function series(spec: PanelSpec & { stacked?: boolean }): Panel {
  const p = new timeseries.PanelBuilder()
    .title(spec.title)
    .description(spec.description)
    .datasource(DATASOURCE)
    .unit(spec.unit)
    .span(spec.width ?? 12)
    .height(spec.height ?? 8)
    .thresholds(thresholdsOf(spec))
    .legend(legend())
    .fillOpacity(spec.stacked ? 30 : 0)
    .stacking(
      new common.StackingConfigBuilder().mode(
        spec.stacked ? common.StackingMode.Normal : common.StackingMode.None
      )
    )
    .thresholdsStyle(
      new common.GraphThresholdsStyleConfigBuilder().mode(
        spec.thresholds
          ? common.GraphThresholdsStyleMode.Dashed
          : common.GraphThresholdsStyleMode.Off
      )
    )
  if (spec.min !== undefined) p.min(spec.min)
  if (spec.max !== undefined) p.max(spec.max)
  for (const t of targets(spec.queries, false)) p.withTarget(t)
  return p
}

/** Horizontal bars of instant values (histogram buckets over the range, PSI per feature). */
export function bars(spec: PanelSpec & { buckets?: boolean }): Panel {
  const p = new bargauge.PanelBuilder()
    .title(spec.title)
    .description(spec.description)
    .datasource(DATASOURCE)
    .unit(spec.unit)
    .span(spec.width ?? 12)
    .height(spec.height ?? 8)
    .thresholds(thresholdsOf(spec))
    .orientation(common.VizOrientation.Horizontal)
    .displayMode(common.BarGaugeDisplayMode.Gradient)
    .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false))
  if (spec.min !== undefined) p.min(spec.min)
  if (spec.max !== undefined) p.max(spec.max)
  const format = spec.buckets ? prometheus.PromQueryFormat.Heatmap : undefined
  for (const t of targets(spec.queries, true, format)) p.withTarget(t)
  return p
}

/** One number per series, coloured by the thresholds. */
export function stats(spec: PanelSpec): Panel {
  const p = new stat.PanelBuilder()
    .title(spec.title)
    .description(spec.description)
    .datasource(DATASOURCE)
    .unit(spec.unit)
    .span(spec.width ?? 6)
    .height(spec.height ?? 8)
    .thresholds(thresholdsOf(spec))
    .colorMode(common.BigValueColorMode.Background)
    .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false))
  for (const t of targets(spec.queries, false)) p.withTarget(t)
  return p
}

/** Histogram buckets over time: the query returns per-`le` increases (format heatmap). */
export function bucketHeatmap(spec: PanelSpec): Panel {
  const p = new heatmap.PanelBuilder()
    .title(spec.title)
    .description(spec.description)
    .datasource(DATASOURCE)
    .span(spec.width ?? 12)
    .height(spec.height ?? 8)
    .calculate(false)
    .yAxis(new heatmap.YAxisConfigBuilder().unit(spec.unit))
    .rowsFrame(new heatmap.RowsHeatmapOptionsBuilder().layout(common.HeatmapCellLayout.Le))
    .cellValues(new heatmap.CellValuesBuilder().unit('short'))
  for (const t of targets(spec.queries, false, prometheus.PromQueryFormat.Heatmap)) p.withTarget(t)
  return p
}

/** The built dashboard with panel ids 1, 2, ... in layout order (the SDK leaves them unset). */
export function numbered(builder: dashboard.DashboardBuilder): dashboard.Dashboard {
  const d = builder.build()
  let id = 0
  for (const p of d.panels ?? []) {
    p.id = ++id
    if ('panels' in p) for (const q of p.panels) q.id = ++id
  }
  return d
}
