import { z } from 'zod'
import { checkHistogram, CountSchema as Count, IdSchema, unique } from './schema-parts.ts'
import { checkWidgetSeries, widgetSeriesKey } from './widget-beacon-schema.ts'
import { WIDGET_OUTCOMES, WIDGET_VARIANTS, type WidgetBeaconSeries } from './widget-beacon.ts'

// The edge worker's telemetry report, shared by the worker that sends it (edge-worker/src/
// telemetry.ts) and the control plane that receives it (POST /v1/telemetry). The schema is the
// receiver's gate: strict (no unknown fields), and bounded a bit above the worker's own caps, so a
// report can never cost the receiver more than a few thousand numbers.

/**
 * Version of the payload below; the control plane's receiver switches on it.
 *
 * `widget` was added to v1 as an optional section rather than as a v2: a report without it is
 * the v1 every receiver knows, so a Worker sends one only when its window saw beacons, and a
 * receiver that knows the section reads old and new reports with one schema. A receiver that
 * does not know it refuses a report that has it (strict) — as it would refuse a v2 — so deploy
 * the control plane before the Worker.
 */
export const TELEMETRY_SCHEMA = 'fcv.edge.telemetry/v1'

export const OUTCOMES = [
  'ok',
  'bad_request',
  'too_large',
  'no_model',
  'unavailable',
  'error',
] as const
export type Outcome = (typeof OUTCOMES)[number]
export const VARIANTS = ['champion', 'canary', 'shadow'] as const
export type Variant = (typeof VARIANTS)[number]

/**
 * Fixed buckets: counts[i] is the number of values v with bounds[i-1] < v <= bounds[i]
 * (bounds[-1] = -Infinity); counts[bounds.length] holds v > the last bound. NaN and ±Infinity are not counted.
 */
export interface Histogram {
  bounds: number[]
  counts: number[]
  sum: number
  n: number
}

/** POSTed as JSON to TELEMETRY_URL with `Authorization: Bearer <TELEMETRY_TOKEN>`. */
export interface TelemetryPayload {
  schema: typeof TELEMETRY_SCHEMA
  source: {
    worker: 'fcv-edge'
    /** Random per isolate: windows of one isolate never overlap, different isolates do. */
    isolate: string
    /** Cloudflare location (IATA code) of the last request, when known. */
    colo: string | null
  }
  /** From the first thing recorded to the flush, ISO 8601; an isolate's windows never overlap. */
  window: { start: string; end: string }
  /** POST /v1/predict requests by outcome. */
  requests: { outcome: Outcome; n: number }[]
  /** Customers scored, by the model that scored them; shadow scores appear only here. */
  predictions: { modelVersion: string; variant: Variant; n: number; errors: number }[]
  /** Wall time of POST /v1/predict, milliseconds. */
  latencyMs: Histogram
  /** Distribution of the scores, per model version and variant. */
  predicted: { modelVersion: string; variant: Variant; expected: Histogram; pBuy: Histogram }[]
  /**
   * Distribution of each input feature (feature rows as sent; histories once the scorer exposes
   * the vectors it computed). Numbers go into a histogram, strings into category counts.
   */
  features: {
    featureSpecVersion: string
    /**
     * The model whose training profile's bounds `numeric` is bucketed by (its manifest.profile),
     * so it compares with that profile for drift; absent: TELEMETRY_BOUNDS.feature, shared by
     * every model of the spec version without a profile.
     */
    modelVersion?: string
    name: string
    numeric: Histogram
    categories: Record<string, number>
  }[]
  /** What did not fit in memory or did not arrive: series over the caps, failed earlier flushes. */
  dropped: { series: number; categories: number; flushFailures: number }
  /** The widget's beacons (POST /v1/beacon); only when the window saw any. */
  widget?: WidgetTelemetry
  /**
   * What the isolate serves now, per channel and variant (optional, at most 8): the control plane
   * keeps it with the report key to see versions still served after a deployment changed.
   */
  serving?: TelemetryServing[]
}

/** A model version an isolate serves on a channel as a variant. */
export interface TelemetryServing {
  channel: 'edge' | 'widget'
  variant: Variant
  modelVersion: string
}

/** What POST /v1/beacon did with a beacon: folded into the window, or refused and why. */
export const WIDGET_BEACON_RESULTS = [
  'accepted',
  'bad_request',
  'too_large',
  'rate_limited',
] as const
export type WidgetBeaconResult = (typeof WIDGET_BEACON_RESULTS)[number]

/**
 * One model version, variant and outcome: the sum of the accepted beacons' series (the same shape;
 * modelVersion "__other__" is a version the Worker never served).
 */
export type WidgetTelemetrySeries = WidgetBeaconSeries

export interface WidgetTelemetry {
  beacons: { outcome: WidgetBeaconResult; n: number }[]
  /** The bucket bounds of every series (WIDGET_BEACON_BOUNDS when the Worker summed them). */
  bounds: { latencyMs: number[]; expected: number[] }
  /**
   * Per series, as a beacon's (widget-beacon-schema.ts): null version only for no_model; ok
   * counts n calls in each histogram; other outcomes none in expected, at most n in latencyMs.
   */
  series: WidgetTelemetrySeries[]
}

/**
 * What the receiver accepts: at or above the worker's own caps (64 prediction series, 8 predicted
 * series, 128 features, 32 categories and "__other__", 15 bounds).
 */
export const TELEMETRY_LIMITS = {
  predictions: 64,
  predicted: 16,
  features: 256,
  categoriesPerFeature: 64,
  bounds: 64,
  /** The predict request's own bounds: feature names 1..128, string values ..256 characters. */
  featureName: 128,
  category: 256,
  featureSpecVersion: 64,
  colo: 16,
  /** Widget series per report (the worker keeps 32). */
  widgetSeries: 64,
  /** Served versions per report (channel x variant is at most 6). */
  serving: 8,
} as const

const ModelVersion = IdSchema
const Instant = z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date-time' })

export const TelemetryHistogramSchema = z
  .strictObject({
    bounds: z.array(z.number()).max(TELEMETRY_LIMITS.bounds),
    counts: z.array(Count).max(TELEMETRY_LIMITS.bounds + 1),
    sum: z.number(),
    n: Count,
  })
  .superRefine(checkHistogram)

const Bounds = z
  .array(z.number())
  .max(TELEMETRY_LIMITS.bounds)
  .superRefine((bounds, ctx) => {
    for (let i = 1; i < bounds.length; i++) {
      if (!(bounds[i]! > bounds[i - 1]!)) {
        ctx.addIssue({ code: 'custom', path: [i], message: 'bounds must increase' })
        return
      }
    }
  })

const WidgetSchema = z
  .strictObject({
    beacons: z
      .array(z.strictObject({ outcome: z.enum(WIDGET_BEACON_RESULTS), n: Count }))
      .max(WIDGET_BEACON_RESULTS.length)
      .superRefine(unique((b) => b.outcome, 'an outcome')),
    bounds: z.strictObject({ latencyMs: Bounds, expected: Bounds }),
    series: z
      .array(
        z.strictObject({
          modelVersion: ModelVersion.nullable(),
          variant: z.enum(WIDGET_VARIANTS),
          outcome: z.enum(WIDGET_OUTCOMES),
          n: Count,
          latencyMs: z.array(Count).max(TELEMETRY_LIMITS.bounds + 1),
          expected: z.array(Count).max(TELEMETRY_LIMITS.bounds + 1),
        })
      )
      .max(TELEMETRY_LIMITS.widgetSeries)
      .superRefine(unique(widgetSeriesKey, 'a model version, variant and outcome')),
  })
  .superRefine((w, ctx) => {
    w.series.forEach((s, i) => {
      const report = (field: string, message: string) =>
        ctx.addIssue({ code: 'custom', path: ['series', i, field], message })
      let lengths = true
      for (const field of ['latencyMs', 'expected'] as const) {
        const want = w.bounds[field].length + 1
        if (s[field].length !== want) {
          report(
            field,
            `must have one more entry than bounds.${field} (${want}), has ${s[field].length}`
          )
          lengths = false
        }
      }
      if (lengths) checkWidgetSeries(s, report)
    })
  })

const Categories = z
  .record(z.string().max(TELEMETRY_LIMITS.category), Count)
  .refine((r) => Object.keys(r).length <= TELEMETRY_LIMITS.categoriesPerFeature, {
    message: `at most ${TELEMETRY_LIMITS.categoriesPerFeature} categories`,
  })

const schema = z.strictObject({
  schema: z.literal(TELEMETRY_SCHEMA),
  source: z.strictObject({
    worker: z.literal('fcv-edge'),
    isolate: IdSchema,
    colo: z.string().min(1).max(TELEMETRY_LIMITS.colo).nullable(),
  }),
  window: z
    .strictObject({ start: Instant, end: Instant })
    .refine((w) => !(Date.parse(w.start) > Date.parse(w.end)), {
      path: ['end'],
      message: 'must not be before window.start',
    }),
  requests: z
    .array(z.strictObject({ outcome: z.enum(OUTCOMES), n: Count }))
    .max(OUTCOMES.length)
    .superRefine(unique((r) => r.outcome, 'an outcome')),
  predictions: z
    .array(
      z.strictObject({
        modelVersion: ModelVersion,
        variant: z.enum(VARIANTS),
        n: Count,
        errors: Count,
      })
    )
    .max(TELEMETRY_LIMITS.predictions)
    .superRefine(
      unique((p) => `${p.variant}\u0000${p.modelVersion}`, 'a model version and variant')
    ),
  latencyMs: TelemetryHistogramSchema,
  predicted: z
    .array(
      z.strictObject({
        modelVersion: ModelVersion,
        variant: z.enum(VARIANTS),
        expected: TelemetryHistogramSchema,
        pBuy: TelemetryHistogramSchema,
      })
    )
    .max(TELEMETRY_LIMITS.predicted)
    .superRefine(
      unique((p) => `${p.variant}\u0000${p.modelVersion}`, 'a model version and variant')
    ),
  features: z
    .array(
      z.strictObject({
        featureSpecVersion: z.string().min(1).max(TELEMETRY_LIMITS.featureSpecVersion),
        modelVersion: ModelVersion.optional(),
        name: z.string().min(1).max(TELEMETRY_LIMITS.featureName),
        numeric: TelemetryHistogramSchema,
        categories: Categories,
      })
    )
    .max(TELEMETRY_LIMITS.features)
    .superRefine(
      unique(
        (f) => `${f.featureSpecVersion}\u0000${f.modelVersion ?? ''}\u0000${f.name}`,
        'a feature of that spec and model version'
      )
    ),
  dropped: z.strictObject({ series: Count, categories: Count, flushFailures: Count }),
  widget: WidgetSchema.optional(),
  serving: z
    .array(
      z.strictObject({
        channel: z.enum(['edge', 'widget']),
        variant: z.enum(VARIANTS),
        modelVersion: ModelVersion,
      })
    )
    .max(TELEMETRY_LIMITS.serving)
    .superRefine(
      unique(
        (s) => `${s.channel}\u0000${s.variant}\u0000${s.modelVersion}`,
        'a channel, variant and model version'
      )
    )
    .optional(),
})

/**
 * Validates a report as received: a failure's issues name the path of each bad field
 * (`predicted.0.expected.counts`). Typed by the interfaces above, which stay the documentation.
 */
export const TelemetryPayloadSchema: z.ZodType<TelemetryPayload> = schema
/** camelCase alias of TelemetryPayloadSchema. */
export const telemetryPayloadSchema = TelemetryPayloadSchema
