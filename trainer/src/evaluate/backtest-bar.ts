// The quality bar a backtest case is held to (issue 15): the model ranks at least as well as every
// baseline (Gini), its errors are no larger than BG/NBD x Gamma-Gamma's (RMSE), and its total is
// within 15 % of the actual wherever a baseline's is (sum ratio): a total a baseline gets right is
// one the model must not get wrong.

import { BTYD_NAME, MODEL_NAME, type MetricsReport } from './index.ts'

export const SUM_RATIO_BAND: readonly [number, number] = [0.85, 1.15]

export interface NamedValue {
  name: string
  value: number
}

export interface QualityBar {
  gini: { model: number | null; best: NamedValue | null; ok: boolean }
  rmse: { model: number | null; btyd: number | null; ok: boolean }
  /** `applies`: some baseline's sum ratio is within the band, so the model's must be. */
  sumRatio: { model: number | null; best: NamedValue | null; applies: boolean; ok: boolean }
  ok: boolean
}

/** What the bar reads of a model's metrics. */
export interface BarMetrics {
  gini: number | null
  rmse: number | null
  sum_ratio: number | null
}

type ModelMetrics = Readonly<Record<string, BarMetrics | { error: string }>>

function metricsOf(models: ModelMetrics, name: string): BarMetrics | null {
  const m = models[name]
  return m === undefined || 'error' in m ? null : m
}

const inBand = (r: number | null): r is number =>
  r !== null && r >= SUM_RATIO_BAND[0] && r <= SUM_RATIO_BAND[1]

export function qualityBar(report: MetricsReport): QualityBar {
  return qualityBarOf(report.models)
}

/** The bar over models' metrics by name (MODEL_NAME, the baselines, BTYD_NAME among them). */
export function qualityBarOf(models: ModelMetrics): QualityBar {
  const model = metricsOf(models, MODEL_NAME)
  // Baselines: every other model but the registered champions (not scored in a backtest anyway).
  const baselines = Object.keys(models)
    .filter((n) => n !== MODEL_NAME && !n.startsWith('champion'))
    .flatMap((name) => {
      const m = metricsOf(models, name)
      return m ? [{ name, m }] : []
    })
  let bestGini: NamedValue | null = null
  let bestSum: NamedValue | null = null
  for (const { name, m } of baselines) {
    if (m.gini !== null && (bestGini === null || m.gini > bestGini.value)) {
      bestGini = { name, value: m.gini }
    }
    const r = m.sum_ratio
    if (r !== null && r > 0) {
      const off = Math.abs(Math.log(r))
      if (bestSum === null || off < Math.abs(Math.log(bestSum.value))) bestSum = { name, value: r }
    }
  }
  const gini = model?.gini ?? null
  const giniOk = gini !== null && (bestGini === null || gini >= bestGini.value)
  const rmse = model?.rmse ?? null
  const btydRmse = metricsOf(models, BTYD_NAME)?.rmse ?? null
  const rmseOk = rmse !== null && (btydRmse === null || rmse <= btydRmse)
  const sum = model?.sum_ratio ?? null
  const applies = inBand(bestSum?.value ?? null)
  const sumOk = !applies || inBand(sum)
  return {
    gini: { model: gini, best: bestGini, ok: giniOk },
    rmse: { model: rmse, btyd: btydRmse, ok: rmseOk },
    sumRatio: { model: sum, best: bestSum, applies, ok: sumOk },
    ok: giniOk && rmseOk && sumOk,
  }
}
