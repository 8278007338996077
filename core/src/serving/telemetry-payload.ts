import { z } from 'zod'

// The edge worker's telemetry report, shared by the worker that sends it (edge-worker/src/
// telemetry.ts) and the control plane that receives it (POST /v1/telemetry). The schema is the
// receiver's gate: strict (no unknown fields), and bounded a bit above the worker's own caps, so a
// report can never cost the receiver more than a few thousand numbers.

/** Version of the payload below; the control plane's receiver switches on it. */
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
    name: string
    numeric: Histogram
    categories: Record<string, number>
  }[]
  /** What did not fit in memory or did not arrive: series over the caps, failed earlier flushes. */
  dropped: { series: number; categories: number; flushFailures: number }
}

/**
 * What the receiver accepts: at or above the worker's own caps (64 prediction series, 8 predicted
 * series, 64 features, 32 categories and "__other__", 15 bounds).
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
} as const

const ID = /^[A-Za-z0-9._-]{1,64}$/
const Count = z.number().int('must be a whole number').nonnegative('must not be negative')
const ModelVersion = z.string().regex(ID, 'must be 1 to 64 letters, digits, ".", "_" or "-"')
const Instant = z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date-time' })

export const TelemetryHistogramSchema = z
  .strictObject({
    bounds: z.array(z.number()).max(TELEMETRY_LIMITS.bounds),
    counts: z.array(Count).max(TELEMETRY_LIMITS.bounds + 1),
    sum: z.number(),
    n: Count,
  })
  .superRefine((h, ctx) => {
    for (let i = 1; i < h.bounds.length; i++) {
      if (!(h.bounds[i]! > h.bounds[i - 1]!)) {
        ctx.addIssue({ code: 'custom', path: ['bounds', i], message: 'bounds must increase' })
        return
      }
    }
    if (h.counts.length !== h.bounds.length + 1) {
      ctx.addIssue({
        code: 'custom',
        path: ['counts'],
        message: `must have one more entry than bounds (${h.bounds.length + 1}), has ${h.counts.length}`,
      })
      return
    }
    const total = h.counts.reduce((a, b) => a + b, 0)
    if (total !== h.n) {
      ctx.addIssue({ code: 'custom', path: ['n'], message: `must be the sum of counts (${total})` })
    }
  })

const Categories = z
  .record(z.string().max(TELEMETRY_LIMITS.category), Count)
  .refine((r) => Object.keys(r).length <= TELEMETRY_LIMITS.categoriesPerFeature, {
    message: `at most ${TELEMETRY_LIMITS.categoriesPerFeature} categories`,
  })

/** Reports a second entry for the same series: the worker never sends one, so it is a bug. */
function unique<T>(key: (item: T) => string, what: string) {
  return (items: T[], ctx: z.RefinementCtx) => {
    const seen = new Set<string>()
    items.forEach((item, i) => {
      const k = key(item)
      if (seen.has(k)) ctx.addIssue({ code: 'custom', path: [i], message: `repeats ${what}` })
      seen.add(k)
    })
  }
}

const schema = z.strictObject({
  schema: z.literal(TELEMETRY_SCHEMA),
  source: z.strictObject({
    worker: z.literal('fcv-edge'),
    isolate: z.string().regex(ID, 'must be 1 to 64 letters, digits, ".", "_" or "-"'),
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
        name: z.string().min(1).max(TELEMETRY_LIMITS.featureName),
        numeric: TelemetryHistogramSchema,
        categories: Categories,
      })
    )
    .max(TELEMETRY_LIMITS.features)
    .superRefine(unique((f) => `${f.featureSpecVersion}\u0000${f.name}`, 'a feature')),
  dropped: z.strictObject({ series: Count, categories: Count, flushFailures: Count }),
})

/**
 * Validates a report as received: a failure's issues name the path of each bad field
 * (`predicted.0.expected.counts`). Typed by the interfaces above, which stay the documentation.
 */
export const TelemetryPayloadSchema: z.ZodType<TelemetryPayload> = schema
/** camelCase alias of TelemetryPayloadSchema. */
export const telemetryPayloadSchema = TelemetryPayloadSchema
