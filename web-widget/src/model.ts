// loadModel(): the widget channel's model, verified and ready to score on the device. A score is
// what the Worker's POST /v1/predict answers for the same history (core's features, interpreter and
// head; the canary by inCanary on the same id), one customer at a time, with the units stated once
// and the same warnings (core's windowWarnings: an asOf outside the model's calibrated window).

import {
  createSignedHistoryScorer,
  inCanary,
  ModelFormatError,
  NoPurchaseBeforeAsOfError,
  ScoringInputError,
  UnsupportedModelError,
  sameUnits,
  unitsOf,
  windowOf,
  windowWarnings,
  type CalibratedWindow,
  type FeatureVector,
  type Prediction,
  type PredictionUnits,
  type PredictWarning,
  type HistoryScorer,
  type TrustedKeys,
} from '@fcv/core'
import { BundleSource, type SourcedBundle } from './bundle-source.ts'
import { WidgetError, type WidgetErrorDetail, errorDetail } from './errors.ts'
import { asWidgetError, checkHistory, type WidgetHistory } from './history.ts'
import { record } from './telemetry.ts'
import { parseTrustedKeys } from './trusted-keys.ts'

export interface LoadModelOptions {
  /** The Worker's GET /v1/bundle (the widget channel), e.g. https://edge.example.com/v1/bundle. */
  bundleUrl: string
  /** { keyId: base64 public key } as GET /v1/signing-keys gives it, or "keyId:key" text. */
  trustedKeys: TrustedKeys | string
  /** Larger bundles are refused before they are read (default 8 MiB). */
  maxBundleBytes?: number
  /** Aggregate-only beacons: on by default, to the bundle URL's origin's /v1/beacon. */
  telemetry?: boolean | { url: string }
  fetch?: typeof fetch
}

export type Variant = 'champion' | 'canary'

export interface WidgetPrediction extends Prediction {
  variant: Variant
}

/** What score() returns: a POST /v1/predict answer for one customer. */
export interface WidgetScore extends PredictionUnits {
  asOf: string
  /** As at the edge: `as_of_outside_calibrated_window` when asOf is outside the model's window. */
  warnings: PredictWarning[]
  prediction: WidgetPrediction
}

export interface ModelInfo {
  name: string
  version: string
  digest: string
  keyId: string
}

export interface WidgetModel {
  readonly champion: ModelInfo
  readonly canary: (ModelInfo & { share: number }) | null
  readonly units: PredictionUnits
  readonly featureSpecVersion: string
  /** Why the newest bundle is not in use (the last good one is), if so. */
  readonly problem: WidgetErrorDetail | null
  /** Scores one customer at asOf (default: now); throws a WidgetError for a bad history. */
  score(history: WidgetHistory, options?: { asOf?: Date | number | string }): WidgetScore
  /** The feature vector score() computes (spec order), or null without a purchase before asOf. */
  features(
    history: WidgetHistory,
    options?: { asOf?: Date | number | string }
  ): FeatureVector | null
}

const DEFAULT_MAX_BYTES = 8 * 1024 * 1024

interface Loaded {
  info: ModelInfo
  scorer: HistoryScorer
  units: PredictionUnits
  window: CalibratedWindow | null
}

async function loaded(sourced: SourcedBundle): Promise<Loaded> {
  const { bundle, digest } = sourced
  const { name, version } = bundle.manifest
  let scorer: HistoryScorer
  try {
    scorer = await createSignedHistoryScorer(bundle)
  } catch (e) {
    if (e instanceof ModelFormatError || e instanceof UnsupportedModelError) {
      throw new WidgetError('unsupported_model', `model ${name} version ${version}: ${e.message}`, {
        cause: e,
      })
    }
    throw e
  }
  return {
    info: { name, version, digest, keyId: bundle.keyId },
    scorer,
    units: unitsOf(bundle.manifest),
    window: windowOf(bundle.manifest),
  }
}

export async function loadModel(options: LoadModelOptions): Promise<WidgetModel> {
  if (typeof options?.bundleUrl !== 'string' || options.bundleUrl === '') {
    throw new WidgetError('config', "bundleUrl: give the Worker's /v1/bundle URL")
  }
  const trustedKeys =
    typeof options.trustedKeys === 'string'
      ? parseTrustedKeys(options.trustedKeys)
      : options.trustedKeys
  if (!trustedKeys || Object.keys(trustedKeys).length === 0) parseTrustedKeys('')
  const source = new BundleSource({
    bundleUrl: options.bundleUrl,
    trustedKeys,
    maxBytes: options.maxBundleBytes ?? DEFAULT_MAX_BYTES,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  })
  const beaconUrl =
    options.telemetry === false
      ? null
      : typeof options.telemetry === 'object'
        ? options.telemetry.url
        : new URL('/v1/beacon', new URL(options.bundleUrl, document.baseURI)).href
  let channel: Awaited<ReturnType<BundleSource['channel']>>
  let champion: Loaded
  try {
    channel = await source.channel()
    champion = await loaded(channel.champion)
  } catch (e) {
    // Counted too: pages left without a model are what an operator most needs to see.
    if (beaconUrl)
      record(beaconUrl, {
        model: null,
        modelVersion: null,
        variant: 'champion',
        outcome: 'no_model',
      })
    throw e
  }
  // A canary in other units would be stated wrongly in the answer: it serves nobody (as at the edge).
  let canary: (Loaded & { share: number }) | null = null
  if (channel.state.canary) {
    try {
      const c = await loaded(await source.byDigest(channel.state.canary.digest))
      if (sameUnits(c.units, champion.units)) canary = { ...c, share: channel.state.canary.share }
    } catch {
      // The canary is an experiment: without it everyone gets the champion.
    }
  }
  let shadow: Promise<Loaded | null> | null = null
  const shadowDigest = channel.state.shadow
  const shadowScorer = () => (shadow ??= source.byDigest(shadowDigest!).then(loaded, () => null))

  // As at the edge: the canary serves its share of customers by a stable hash of the id.
  const servedBy = (id: string): Loaded =>
    canary && inCanary(id, canary.share) ? canary : champion

  const asOfOf = (asOf: Date | number | string | undefined): number => {
    const t =
      asOf === undefined
        ? Date.now()
        : asOf instanceof Date
          ? asOf.getTime()
          : typeof asOf === 'string'
            ? Date.parse(asOf)
            : asOf
    if (!Number.isFinite(t))
      throw new WidgetError('invalid_history', 'asOf: not a valid date-time', { field: 'asOf' })
    return t
  }

  const tell = (
    variant: 'champion' | 'canary' | 'shadow',
    m: Loaded | null,
    outcome: 'ok' | 'bad_input' | 'error',
    latencyMs?: number,
    expected?: number
  ) => {
    if (!beaconUrl) return
    record(beaconUrl, {
      model: m?.info.name ?? champion.info.name,
      modelVersion: m?.info.version ?? null,
      variant,
      outcome,
      ...(latencyMs === undefined ? {} : { latencyMs }),
      ...(expected === undefined ? {} : { expected }),
    })
  }

  const model: WidgetModel = {
    champion: champion.info,
    canary: canary ? { ...canary.info, share: canary.share } : null,
    units: champion.units,
    featureSpecVersion: champion.scorer.featureSpecVersion,
    problem: channel.problem ? errorDetail(channel.problem) : null,

    score(history, opts = {}) {
      const started = performance.now()
      let by: Loaded = champion
      try {
        const t0 = asOfOf(opts.asOf)
        const checked = checkHistory(history)
        by = servedBy(checked.customerId)
        const [p] = scoreOne(by.scorer, checked, t0)
        const prediction: WidgetPrediction = {
          ...p!,
          variant: by === champion ? 'champion' : 'canary',
        }
        tell(prediction.variant, by, 'ok', performance.now() - started, prediction.expected)
        if (shadowDigest && beaconUrl) {
          // The shadow is scored after the answer, for telemetry only, as at the edge.
          void shadowScorer().then((s) => {
            if (!s) return
            const began = performance.now()
            try {
              const [q] = scoreOne(s.scorer, checked, t0)
              tell('shadow', s, 'ok', performance.now() - began, q!.expected)
            } catch {
              tell('shadow', s, 'error')
            }
          })
        }
        const warnings = windowWarnings([{ version: by.info.version, window: by.window }], t0)
        return { asOf: new Date(t0).toISOString(), ...by.units, warnings, prediction }
      } catch (e) {
        const outcome = e instanceof WidgetError && e.code !== 'error' ? 'bad_input' : 'error'
        tell(by === champion ? 'champion' : 'canary', by, outcome)
        throw e
      }
    },

    features(history, opts = {}) {
      const t0 = asOfOf(opts.asOf)
      const checked = checkHistory(history)
      const by = servedBy(checked.customerId)
      try {
        return by.scorer.historyFeatures([checked], t0)[0] ?? null
      } catch (e) {
        throw e instanceof ScoringInputError ? asWidgetError(e) : e
      }
    },
  }
  return model
}

function scoreOne(
  scorer: HistoryScorer,
  history: { customerId: string; transactions: readonly unknown[] },
  t0: number
): Prediction[] {
  try {
    return scorer.scoreHistories([history as Parameters<HistoryScorer['scoreHistories']>[0][0]], t0)
  } catch (e) {
    if (e instanceof NoPurchaseBeforeAsOfError) {
      throw new WidgetError(
        'no_purchase_before_as_of',
        `customer "${history.customerId}" has no purchase before asOf (${new Date(t0).toISOString()}): ` +
          'outside the population the model was trained on, nothing to score',
        { cause: e }
      )
    }
    throw e instanceof ScoringInputError ? asWidgetError(e) : e
  }
}
