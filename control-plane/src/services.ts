import { connectionTo, importSigningKey, MlflowClient, type SigningKey } from '@fcv/core'
import type { Config } from './config.ts'
import { openDatabase, type Database } from './db/index.ts'
import type { Logger } from './log.ts'
import { HttpPushPublisher } from './publish/http-push.ts'
import { KeyedLock } from './publish/keyed-lock.ts'
import type { Publisher } from './publish/publisher.ts'
import { Reconciler } from './publish/reconciler.ts'
import type { GateThresholds } from './promotion/gates.ts'
import { AliasSync } from './registry/alias-sync.ts'
import { TelemetryRetention } from './telemetry/retention.ts'

/** Everything a request handler needs, created once at start. */
export interface Services {
  config: Config
  db: Database
  mlflow: MlflowClient
  /** A quick reachability check (no retries) for /readyz. */
  mlflowProbe(): Promise<void>
  /** The bundle signing key; null when none is configured (promotion then answers 503). */
  signer: SigningKey | null
  /** Push targets for bundles (edge workers). */
  publishers: Publisher[]
  /** Serialises a model's deployment changes with the reconciler's pushes (this process). */
  lock: KeyedLock
  /** Converges the push targets to the deployments (started by main.ts, not by tests). */
  reconciler: Reconciler
  /** Keeps the per-channel MLflow aliases as the deployments say (started with the reconciler). */
  aliasSync: AliasSync
  /** Deletes telemetry past FCV_TELEMETRY_RETENTION_DAYS (started by main.ts, not by tests). */
  telemetryRetention: TelemetryRetention
  gates: GateThresholds
  /** How long a promotion owns its model before a retry may take it over. */
  promotionLeaseMs: number
  /** The control plane's clock (epoch ms): what the calibrated-window gate holds a version to. */
  now: () => number
  log: Logger
}

export function gateThresholds(c: Config): GateThresholds {
  return {
    giniMargin: c.FCV_GATE_GINI_MARGIN,
    rmseTolerance: c.FCV_GATE_RMSE_TOLERANCE,
    baselineMargin: c.FCV_GATE_BASELINE_MARGIN,
    sumRatioMin: c.FCV_GATE_SUM_RATIO_MIN,
    sumRatioMax: c.FCV_GATE_SUM_RATIO_MAX,
    supportedSpecs: c.FCV_SUPPORTED_SPECS,
  }
}

export async function createServices(
  config: Config,
  log: Logger,
  env: Record<string, string | undefined>
): Promise<Services> {
  const db = await openDatabase(
    config.DATABASE_URL
      ? {
          url: config.DATABASE_URL,
          onPoolError: (e) => log.warn({ err: e.message }, 'database pool error'),
        }
      : { dataDir: config.FCV_DATA_DIR }
  )
  await db.migrate()
  const mlflow = new MlflowClient(connectionTo(config.MLFLOW_TRACKING_URI, env), {
    onRetry: (call, attempt, waitMs, reason) =>
      log.warn({ call, attempt, waitMs, reason }, 'mlflow retry'),
  })
  const probe = new MlflowClient({
    ...connectionTo(config.MLFLOW_TRACKING_URI, env),
    maxRetries: 0,
    timeoutMs: 2000,
  })
  const signer = config.FCV_SIGNING_KEY ? await importSigningKey(config.FCV_SIGNING_KEY) : null
  if (signer) {
    // What edge workers and widgets must trust (also at GET /v1/signing-keys); public.
    const trustedKeys = JSON.stringify({ [signer.keyId]: signer.publicKey })
    log.info({ keyId: signer.keyId, trustedKeys }, 'bundle signing key loaded')
  } else log.warn('FCV_SIGNING_KEY is not set: promotions will be refused until it is')
  const publishers = config.FCV_EDGE_PUBLISH_URLS.map(
    (u) => new HttpPushPublisher(u, config.FCV_EDGE_PUBLISH_TOKEN)
  )
  const lock = new KeyedLock()
  const intervalMs = config.FCV_RECONCILE_INTERVAL_SECONDS * 1000
  return {
    config,
    db,
    mlflow,
    mlflowProbe: async () => {
      await probe.version()
    },
    signer,
    publishers,
    lock,
    reconciler: new Reconciler(
      { db: db.db, publishers, model: config.FCV_MODEL_NAME, lock, log },
      { intervalMs }
    ),
    aliasSync: new AliasSync({ db: db.db, mlflow, log }, { intervalMs }),
    telemetryRetention: new TelemetryRetention(db.db, log, {
      retentionDays: config.FCV_TELEMETRY_RETENTION_DAYS,
    }),
    gates: gateThresholds(config),
    promotionLeaseMs: config.FCV_PROMOTION_LEASE_MS,
    now: Date.now,
    log,
  }
}
