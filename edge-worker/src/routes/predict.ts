// POST /v1/predict: feature rows or raw histories in, one prediction per customer out, in order,
// with the champion's units (horizon, currency) stated once (core's serving/units.ts), and a
// warning for each model that scored someone at an asOf outside its calibrated window (core's
// serving/calibrated-window.ts: flagged, not recalibrated).
// The canary (if any) serves its share of customers by a stable hash of the id; the shadow (if any)
// scores everyone after the response, for telemetry only.

import {
  describeUnits,
  inCanary,
  profileBoundsOf,
  sameUnits,
  ScoringInputError,
  unitsOf,
  windowOf,
  windowWarnings,
  type PredictionUnits,
} from '@fcv/core'
import type { Hono } from 'hono'
import type { AppEnv, Deps } from '../app-env.ts'
import { backgroundOf } from '../background.ts'
import { parseJson, readBody, requireJson } from '../body.ts'
import { configOf } from '../env.ts'
import { ApiError } from '../errors.ts'
import { parsePredictRequest, type PredictCustomer } from '../predict-request.ts'
import type { FeatureValues, FeatureVector, Prediction, Scorer } from '../scoring.ts'
import type { Slot } from '../serving.ts'
import type { Outcome, Telemetry } from '../telemetry.ts'
import { servingView } from './model.ts'

type ServedVariant = 'champion' | 'canary'
export type ServedPrediction = (Prediction & { variant: ServedVariant }) | Unscored

function outcomeOf(e: unknown): Outcome {
  if (!(e instanceof ApiError)) return 'error'
  if (e.status === 413) return 'too_large'
  if (e.code === 'no_model') return 'no_model'
  if (e.status === 503) return 'unavailable'
  return e.status < 500 ? 'bad_request' : 'error'
}

async function scorerFor(deps: Deps, slot: Slot): Promise<Scorer> {
  const { bundle } = slot
  return deps.scorers.get(bundle.digest, {
    modelJson: bundle.modelJson,
    weights: bundle.weights,
    version: bundle.manifest.version,
  })
}

/**
 * A customer the model does not score: a history without a purchase before asOf is outside the
 * population the model was trained on (the trainer has no row for it). The rest of the batch is
 * scored; this entry takes the customer's place in `predictions`.
 */
export interface Unscored {
  customerId: string
  error: { code: 'no_purchase_before_as_of'; message: string }
}

/**
 * Scores customers with one scorer, in input order: histories become feature vectors first (the
 * same ones the trainer's tables hold), then every customer's vector is scored in one batch.
 * `features` receives each scored customer's vector (rows as sent), for drift telemetry. The
 * scorer names a bad input relative to its batch (rows[2].features, items[0].transactions[3]…);
 * the 400 names it in the request (customers[5].features, …).
 */
function score(
  scorer: Scorer,
  customers: readonly PredictCustomer[],
  asOf: number,
  /** Where each customer is in the request, when `customers` is a part of it. */
  origin: readonly number[] | null = null,
  features: FeatureValues[] = []
): (Prediction | Unscored)[] {
  const position = (i: number) => (origin ? origin[i]! : i)
  const vectors = new Array<FeatureValues | null>(customers.length)
  const histories: number[] = []
  customers.forEach((c, i) => {
    if (c.features !== undefined) vectors[i] = c.features
    else histories.push(i)
  })
  if (histories.length) {
    let computed: (FeatureVector | null)[]
    try {
      computed = scorer.historyFeatures(
        histories.map((i) => ({
          customerId: customers[i]!.customerId,
          transactions: customers[i]!.transactions!,
        })),
        asOf
      )
    } catch (e) {
      throw asRequestError(e, histories.map(position))
    }
    histories.forEach((i, k) => (vectors[i] = computed[k]!))
  }
  const scoredAt: number[] = []
  vectors.forEach((v, i) => {
    if (v !== null) scoredAt.push(i)
  })
  let scored: Prediction[]
  try {
    scored = scorer.scoreFeatures(
      scoredAt.map((i) => ({ customerId: customers[i]!.customerId, features: vectors[i]! }))
    )
  } catch (e) {
    throw asRequestError(e, scoredAt.map(position))
  }
  const out = new Array<Prediction | Unscored>(customers.length)
  scoredAt.forEach((i, k) => {
    out[i] = scored[k]!
    features.push(vectors[i]!)
  })
  if (scoredAt.length < customers.length) {
    const message =
      `no purchase before asOf (${new Date(asOf).toISOString()}): the customer is outside ` +
      'the population the model was trained on'
    vectors.forEach((v, i) => {
      if (v === null) {
        out[i] = {
          customerId: customers[i]!.customerId,
          error: { code: 'no_purchase_before_as_of', message },
        }
      }
    })
  }
  return out
}

const isScored = (p: Prediction | Unscored): p is Prediction => !('error' in p)

/** `positions[k]` is where the scorer's k-th row or item is in the request. */
function asRequestError(e: unknown, positions: readonly number[]): unknown {
  if (!(e instanceof ScoringInputError)) return e
  const where = /^(?:rows|items)\[(\d+)\](.*)$/.exec(e.field)
  const position = where ? positions[Number(where[1])] : undefined
  const field =
    position === undefined ? e.field : `customers[${position}]${where![2]!.replace(/^ /, '.')}`
  const reason = e.message.slice(e.field.length).replace(/^: /, '')
  return new ApiError(400, 'invalid_request', `${field}: ${reason}`, { details: { field } })
}

/**
 * Whether a canary's answers are in the champion's units (the response states them once); one
 * that is not serves nobody, and is logged once per bundle.
 */
function comparable(canary: Slot, units: PredictionUnits, logged: Set<string>): boolean {
  const own = unitsOf(canary.bundle.manifest)
  if (sameUnits(own, units)) return true
  if (!logged.has(canary.bundle.digest)) {
    logged.add(canary.bundle.digest)
    console.warn(
      `fcv-edge: canary ${canary.pointer.version} predicts in ${describeUnits(own)}, the ` +
        `champion in ${describeUnits(units)}: it serves nobody`
    )
  }
  return false
}

export function predictRoutes(app: Hono<AppEnv>, deps: Deps): void {
  const mismatchedCanaries = new Set<string>()
  app.post('/v1/predict', async (c) => {
    const started = deps.now()
    const background = backgroundOf(c)
    const config = configOf(c.env)
    const telemetry: Telemetry | null = config.telemetry ? deps.telemetry : null
    let outcome: Outcome = 'error'
    let afterResponse: Promise<unknown> = Promise.resolve()
    try {
      requireJson(c.req.raw)
      const body = parseJson(await readBody(c.req.raw, config.maxPredictBodyBytes))
      const request = parsePredictRequest(body, config.maxCustomersPerRequest, deps.now())
      const view = await servingView(c, deps, 'edge')
      if (!deps.scorers.available) {
        throw new ApiError(503, 'scorer_unavailable', 'this worker has no scorer built in yet', {
          headers: { 'retry-after': '30' },
        })
      }

      const units = unitsOf(view.champion.bundle.manifest)
      const canary =
        view.canary &&
        (view.canary.pointer.canaryShare ?? 0) > 0 &&
        comparable(view.canary, units, mismatchedCanaries)
          ? view.canary
          : null
      const groups: Record<ServedVariant, number[]> = { champion: [], canary: [] }
      request.customers.forEach((cu, i) =>
        groups[
          canary && inCanary(cu.customerId, canary.pointer.canaryShare!) ? 'canary' : 'champion'
        ].push(i)
      )
      const predictions = new Array<ServedPrediction>(request.customers.length)
      const run = async (variant: ServedVariant, slot: Slot, indices: number[]) => {
        const scorer = await scorerFor(deps, slot)
        const subset = indices.map((i) => request.customers[i]!)
        const vectors: FeatureValues[] = []
        const scored = score(scorer, subset, request.asOf, indices, vectors)
        indices.forEach((i, k) => {
          const p = scored[k]!
          predictions[i] = isScored(p) ? { ...p, variant } : p
        })
        telemetry?.scores({
          modelVersion: scorer.version,
          variant,
          values: scored.filter(isScored),
        })
        // By the model's training profile when it has one, so drift compares like with like.
        const bounds = profileBoundsOf(slot.bundle.manifest)
        telemetry?.featureVectors(
          scorer.featureSpecVersion,
          scorer.featureNames,
          vectors,
          bounds && { modelVersion: scorer.version, bounds }
        )
      }

      if (canary && groups.canary.length) {
        // A canary that cannot be built or fails serves nobody: its customers fall back to the champion.
        await run('canary', canary, groups.canary).catch((e: unknown) => {
          if (e instanceof ApiError) throw e // the input's fault, not the canary's
          console.warn(`fcv-edge: canary ${canary.pointer.version} failed: ${(e as Error).message}`)
          telemetry?.scoringFailed(canary.pointer.version, 'canary', groups.canary.length)
          groups.champion.push(...groups.canary)
        })
      }
      if (groups.champion.length) {
        await run('champion', view.champion, groups.champion).catch((e: unknown) => {
          if (e instanceof ApiError) throw e
          console.error(
            `fcv-edge: champion ${view.champion.pointer.version} failed: ${(e as Error).message}`
          )
          throw new ApiError(503, 'scorer_unavailable', 'the model could not be loaded; retry', {
            headers: { 'retry-after': '30' },
          })
        })
      }

      const shadow = view.shadow
      if (shadow && telemetry) {
        // The shadow's scores only ever reach telemetry, so without telemetry it is not scored.
        // A timer first: the response goes out before the shadow takes any CPU.
        afterResponse = new Promise((resolve) => setTimeout(resolve, 0))
          .then(() => scorerFor(deps, shadow))
          .then((scorer) => {
            const scored = score(scorer, request.customers, request.asOf).filter(isScored)
            telemetry.scores({ modelVersion: scorer.version, variant: 'shadow', values: scored })
          })
          .catch(() =>
            telemetry.scoringFailed(shadow.pointer.version, 'shadow', request.customers.length)
          )
      }
      // Champion first, then the canary, each only if it scored someone.
      const served = (['champion', 'canary'] as const).flatMap((variant) => {
        const slot = variant === 'champion' ? view.champion : canary
        const scored = predictions.some((p) => 'variant' in p && p.variant === variant)
        return slot && scored
          ? [{ version: slot.bundle.manifest.version, window: windowOf(slot.bundle.manifest) }]
          : []
      })
      const warnings = windowWarnings(served, request.asOf)
      outcome = 'ok'
      c.header('cache-control', 'no-store')
      return c.json({
        asOf: new Date(request.asOf).toISOString(),
        ...units,
        warnings,
        predictions,
      })
    } catch (e) {
      outcome = outcomeOf(e)
      throw e
    } finally {
      if (telemetry) {
        // request.cf is rebuilt on every read (workerd deserialises it): read once per isolate.
        telemetry.request(
          outcome,
          deps.now() - started,
          () => (c.req.raw as { cf?: { colo?: string } }).cf?.colo
        )
        const target = config.telemetry
        background.waitUntil(afterResponse.then(() => telemetry.flushIfDue(target)))
      }
    }
  })
}
