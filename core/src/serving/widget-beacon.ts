// What a storefront page tells the fleet about the widget: aggregates only. A page cannot hold a
// secret, so the beacon goes to a public endpoint on the Worker (POST /v1/beacon), which checks it
// (widget-beacon-schema.ts, server side only: the widget itself stays free of zod) and folds it into
// the telemetry it already reports to the control plane. No customer id, history value or
// per-customer prediction is ever in a beacon: per model version and outcome, only counts, and
// counts per fixed latency and value bucket.

/** Version of the beacon below; the Worker refuses any other. */
export const WIDGET_BEACON_SCHEMA = 'fcv.widget.beacon/v1'

/** What happened to one score request in the page. */
export const WIDGET_OUTCOMES = [
  'ok',
  /** The page's history was refused (fcv:error invalid_history). */
  'bad_input',
  /** No model could be loaded (unreachable, refused bundle, nothing cached). */
  'no_model',
  /** Anything else. */
  'error',
] as const
export type WidgetOutcome = (typeof WIDGET_OUTCOMES)[number]

export const WIDGET_VARIANTS = ['champion', 'canary', 'shadow'] as const
export type WidgetVariant = (typeof WIDGET_VARIANTS)[number]

/**
 * Bucket upper bounds: counts[i] holds values v with bounds[i-1] < v <= bounds[i]; the last count
 * holds v > the last bound (bucketOf, as the Worker's histograms: telemetry-histogram.ts).
 */
export const WIDGET_BEACON_BOUNDS = {
  /** From the score call to the prediction, milliseconds. */
  latencyMs: [1, 2, 5, 10, 20, 50, 100, 250, 1000],
  /** Expected value over the horizon, major currency units. */
  expected: [0, 10, 50, 100, 250, 500, 1000, 5000],
} as const satisfies Record<string, readonly number[]>

/** At most this many beacons per page view, and this many series per beacon. */
export const WIDGET_BEACON_LIMITS = {
  beaconsPerPage: 4,
  series: 8,
  /** Score calls counted per series per beacon: a page cannot inflate the fleet's counts. */
  countPerSeries: 1000,
  /** Bytes of the JSON body. */
  bodyBytes: 4096,
} as const

export interface WidgetBeaconSeries {
  /** The model version that scored; null when no model was loaded (outcome no_model). */
  modelVersion: string | null
  variant: WidgetVariant
  outcome: WidgetOutcome
  n: number
  /** Per WIDGET_BEACON_BOUNDS.latencyMs (length bounds + 1); all zero except for scored calls. */
  latencyMs: number[]
  /** Per WIDGET_BEACON_BOUNDS.expected (length bounds + 1); only outcome ok has values. */
  expected: number[]
}

/**
 * POSTed by the widget (navigator.sendBeacon, text/plain so there is no CORS preflight) to the
 * Worker's /v1/beacon.
 */
export interface WidgetBeacon {
  schema: typeof WIDGET_BEACON_SCHEMA
  /** The channel is always widget; the registered model name, when a model was loaded. */
  model: string | null
  series: WidgetBeaconSeries[]
}

/** A series with nothing counted yet: what the widget and the Worker add beacons' counts into. */
export function emptyWidgetSeries(
  modelVersion: string | null,
  variant: WidgetVariant,
  outcome: WidgetOutcome
): WidgetBeaconSeries {
  return {
    modelVersion,
    variant,
    outcome,
    n: 0,
    latencyMs: new Array<number>(WIDGET_BEACON_BOUNDS.latencyMs.length + 1).fill(0),
    expected: new Array<number>(WIDGET_BEACON_BOUNDS.expected.length + 1).fill(0),
  }
}
