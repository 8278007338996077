// Configuration, parsed once at start from the environment (Kubernetes sets it from a ConfigMap
// and Secrets); a bad value stops the process with the variable named.

import { z } from 'zod'

const number = (fallback: number) => z.coerce.number().finite().default(fallback)
const list = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((s) =>
      s
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean)
    )

export const ConfigSchema = z.object({
  HOST: z.string().default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  /** PostgreSQL in production; without it, PGlite in FCV_DATA_DIR (or in memory: ":memory:"). */
  DATABASE_URL: z.string().url().optional(),
  FCV_DATA_DIR: z.string().default('.fcv-control-plane/pglite'),
  MLFLOW_TRACKING_URI: z.string().url().default('http://127.0.0.1:5055'),
  /** The bootstrap admin token (a Secret); other tokens are created through the API. */
  FCV_ADMIN_TOKEN: z.string().min(24, 'at least 24 characters').optional(),
  /** Ed25519 private key (PKCS#8, base64 or PEM) that signs bundles (a Secret). */
  FCV_SIGNING_KEY: z.string().min(1).optional(),
  /** The model the edge workers serve (one per channel), and the one a bare /v1/bundles/... path means. */
  FCV_MODEL_NAME: z.string().default('fcv-customer-value'),
  /** Gates: the candidate's normalised Gini must beat the champion's by this much... */
  FCV_GATE_GINI_MARGIN: number(0),
  /** ...and its RMSE may be at most this fraction worse than the champion's (same evaluation). */
  FCV_GATE_RMSE_TOLERANCE: number(0.02),
  /** It must beat the last-90-days baseline's Gini by this much. */
  FCV_GATE_BASELINE_MARGIN: number(0),
  /** Its predicted total over the actual must lie in [min, max]. */
  FCV_GATE_SUM_RATIO_MIN: number(0.8),
  FCV_GATE_SUM_RATIO_MAX: number(1.25),
  /** Feature spec versions the edge worker and the widget can compute. */
  FCV_SUPPORTED_SPECS: list('v2'),
  /** Edge workers kept at the desired state (GET/PUT/DELETE {url}/_admin/...), comma-separated. */
  FCV_EDGE_PUBLISH_URLS: list('').pipe(
    z.array(z.url({ protocol: /^https?$/, error: 'each URL must be http(s)://host[:port]' }))
  ),
  FCV_EDGE_PUBLISH_TOKEN: z.string().optional(),
  /**
   * Every push target, and the MLflow aliases, are reconciled with the desired state on start and
   * then every this many seconds; a target that fails is retried sooner (1 s, 2 s, 4 s...).
   */
  FCV_RECONCILE_INTERVAL_SECONDS: z.coerce.number().finite().min(1).max(86_400).default(30),
  /** A promotion interrupted by a crash may be resumed (same Idempotency-Key) after this long. */
  FCV_PROMOTION_LEASE_MS: z.coerce.number().int().min(100).default(30_000),
  /** Telemetry store: reports per transaction at most... */
  FCV_TELEMETRY_MAX_BATCH: z.coerce.number().int().min(1).max(10_000).default(500),
  /** ...how long the first report of a batch waits for more (ms)... */
  FCV_TELEMETRY_BATCH_DELAY_MS: z.coerce.number().int().min(0).max(1000).default(5),
  /** ...and reports waiting at most; more are refused (503 too_busy) until the queue drains. */
  FCV_TELEMETRY_MAX_PENDING: z.coerce.number().int().min(1).default(20_000),
  /** Telemetry buckets and report keys are deleted after this many days. */
  FCV_TELEMETRY_RETENTION_DAYS: z.coerce.number().finite().positive().max(3650).default(14),
  /** Drift compares the live histograms of the last this many seconds with training... */
  FCV_DRIFT_WINDOW_SECONDS: z.coerce
    .number()
    .int()
    .min(60)
    .max(7 * 86_400)
    .default(3600),
  /** ...a version counts as served when reported within this many seconds... */
  FCV_STALENESS_WINDOW_SECONDS: z.coerce.number().int().min(10).max(86_400).default(300),
  /** ...and the fcv_drift_* and fcv_serving_* gauges are recomputed at most this often. */
  FCV_FLEET_REFRESH_SECONDS: z.coerce.number().finite().min(0).max(3600).default(15),
  FCV_SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).default(10_000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
})

export type Config = z.infer<typeof ConfigSchema>

export class ConfigError extends Error {
  override name = 'ConfigError'
}

export function loadConfig(env: Record<string, string | undefined>): Config {
  const parsed = ConfigSchema.safeParse(
    Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''))
  )
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`)
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`)
  }
  const c = parsed.data
  if (c.FCV_GATE_SUM_RATIO_MIN > c.FCV_GATE_SUM_RATIO_MAX) {
    throw new ConfigError(
      'invalid configuration: FCV_GATE_SUM_RATIO_MIN is above FCV_GATE_SUM_RATIO_MAX'
    )
  }
  return c
}
