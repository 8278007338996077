import { z } from 'zod'
import { CountSchema, IdSchema, unique } from './schema-parts.ts'
import {
  WIDGET_BEACON_BOUNDS,
  WIDGET_BEACON_LIMITS,
  WIDGET_BEACON_SCHEMA,
  WIDGET_OUTCOMES,
  WIDGET_VARIANTS,
  type WidgetBeacon,
  type WidgetBeaconSeries,
} from './widget-beacon.ts'

// The Worker's gate for POST /v1/beacon (server side only: the widget builds beacons from
// widget-beacon.ts, which stays free of zod). Strict: no unknown field, every count bounded.
//
// Consistency of a series (checkWidgetSeries), which holds for one beacon and so for any sum of
// them (the Worker's telemetry checks its aggregates with the same rules):
// - modelVersion is null only with outcome no_model (without a model there is no version);
// - outcome ok: every call was scored, so latencyMs and expected each count n calls;
// - any other outcome: nothing was predicted, so expected is all zero, and latencyMs counts at
//   most n calls (a call that failed may or may not have been timed).

type SeriesCounts = Pick<
  WidgetBeaconSeries,
  'modelVersion' | 'outcome' | 'n' | 'latencyMs' | 'expected'
>

const total = (counts: readonly number[]) => counts.reduce((a, b) => a + b, 0)

/** Reports each broken rule above with the field it names (relative to the series). */
export function checkWidgetSeries(
  s: SeriesCounts,
  report: (field: 'modelVersion' | 'latencyMs' | 'expected', message: string) => void
): void {
  if (s.modelVersion === null && s.outcome !== 'no_model') {
    report('modelVersion', `may be null only with outcome no_model, not ${s.outcome}`)
  }
  const latency = total(s.latencyMs)
  const expected = total(s.expected)
  if (s.outcome === 'ok') {
    if (latency !== s.n)
      report('latencyMs', `must count n (${s.n}) calls for outcome ok, counts ${latency}`)
    if (expected !== s.n)
      report('expected', `must count n (${s.n}) calls for outcome ok, counts ${expected}`)
  } else {
    if (latency > s.n) report('latencyMs', `must count at most n (${s.n}) calls, counts ${latency}`)
    if (expected !== 0)
      report('expected', `must be all zero for outcome ${s.outcome}, counts ${expected}`)
  }
}

const buckets = (bounds: readonly number[]) =>
  z
    .array(CountSchema)
    .length(bounds.length + 1, `must have ${bounds.length + 1} counts, one per bucket`)

const SeriesSchema = z
  .strictObject({
    modelVersion: IdSchema.nullable(),
    variant: z.enum(WIDGET_VARIANTS),
    outcome: z.enum(WIDGET_OUTCOMES),
    n: CountSchema.min(1, 'must be at least 1').max(
      WIDGET_BEACON_LIMITS.countPerSeries,
      `must be at most ${WIDGET_BEACON_LIMITS.countPerSeries}`
    ),
    latencyMs: buckets(WIDGET_BEACON_BOUNDS.latencyMs),
    expected: buckets(WIDGET_BEACON_BOUNDS.expected),
  })
  .superRefine((s, ctx) =>
    checkWidgetSeries(s, (field, message) =>
      ctx.addIssue({ code: 'custom', path: [field], message })
    )
  )

/** A series' identity: one entry per model version, variant and outcome. */
export const widgetSeriesKey = (
  s: Pick<WidgetBeaconSeries, 'modelVersion' | 'variant' | 'outcome'>
) => `${s.variant}\u0000${s.outcome}\u0000${s.modelVersion ?? ''}`

const schema = z.strictObject({
  schema: z.literal(WIDGET_BEACON_SCHEMA),
  model: IdSchema.nullable(),
  series: z
    .array(SeriesSchema)
    .min(1, 'must have at least one series')
    .max(WIDGET_BEACON_LIMITS.series, `must have at most ${WIDGET_BEACON_LIMITS.series} series`)
    .superRefine(unique(widgetSeriesKey, 'a model version, variant and outcome')),
})

/** Validates a beacon as received: a failure's issues name the path of each bad field. */
export const WidgetBeaconSchema: z.ZodType<WidgetBeacon> = schema
