// The quality gates a version must pass to be promoted on a channel. Pure: the candidate's MLflow
// version tags (its own metrics, the baseline's and every channel's champion's, all from the same
// evaluation run, and the days it is calibrated for), the channel and its current champion, the
// thresholds from configuration, and the control plane's clock.

import {
  calibratedWindowFromTags,
  championTagPrefix,
  DAY_MS,
  formatDay,
  windowBounds,
  type CalibratedWindow,
  type Channel,
} from '@fcv/core'

export interface GateThresholds {
  giniMargin: number
  rmseTolerance: number
  baselineMargin: number
  sumRatioMin: number
  sumRatioMax: number
  supportedSpecs: string[]
}

export interface GateResult {
  gate: string
  passed: boolean
  /** What was measured (null when there was nothing to measure). */
  value: number | string | null
  /** What it was held against, as text: ">= 0.01", "in [0.8, 1.25]"... */
  threshold: string
  detail: string
}

const num = (tags: Record<string, string>, key: string): number | null => {
  const v = tags[key]
  if (v === undefined || v === '') return null
  const n = Number(v)
  return Number.isFinite(n) ? n : null
}

const round = (x: number) => Number(x.toPrecision(6))

/** What the candidate's evaluation says of the champion it was scored against on `channel`. */
export interface EvaluatedChampion {
  version: string | undefined
  gini: number | null
  rmse: number | null
  sumRatio: number | null
}

/**
 * The channel's champion as the candidate's evaluation scored it: the `champion.<channel>.*` tags.
 * A version registered before per-channel champions has model-wide `champion.*` tags instead; they
 * name the version it was scored against, so they still count when that is this channel's champion.
 */
export function evaluatedChampion(
  tags: Record<string, string>,
  channel: Channel
): EvaluatedChampion {
  const prefix = championTagPrefix(channel)
  const own = tags[`${prefix}version`]
  const p = own !== undefined || tags['champion.version'] === undefined ? prefix : 'champion.'
  return {
    version: tags[`${p}version`],
    gini: num(tags, `${p}gini`),
    rmse: num(tags, `${p}rmse`),
    sumRatio: num(tags, `${p}sum_ratio`),
  }
}

/** The gate a version whose calibrated window has ended fails (promote.ts answers it by name). */
export const CALIBRATED_WINDOW_GATE = 'calibrated_window'

/**
 * The model is calibrated for predictions as of the days of its window (the `fcv.calibrated_window.*`
 * tags `fcv register` writes from model.json): once the window has ended, everything it would serve
 * is outside it. A version without the tags (trained before windows were recorded) passes, as
 * before, and the row says it was not checked.
 */
export function calibratedWindowGate(tags: Record<string, string>, now: number): GateResult {
  const w = calibratedWindowFromTags(tags)
  const today = formatDay(now)
  const threshold = `ends after ${today}`
  if (!w) {
    return {
      gate: CALIBRATED_WINDOW_GATE,
      passed: true,
      value: null,
      threshold,
      detail:
        'no calibrated window recorded (a model trained before fcv recorded one): not checked',
    }
  }
  const { end } = windowBounds(w)!
  const passed = now < end
  const what = `calibrated for predictions as of ${describeWindow(w)}${w.levelAdjusted ? ' (level adjusted)' : ''}`
  return {
    gate: CALIBRATED_WINDOW_GATE,
    passed,
    value: describeWindow(w),
    threshold,
    detail: passed
      ? `${what}; ${Math.ceil((end - now) / DAY_MS)} day(s) left`
      : `${what}, a window that ended on ${w.to}: retrain on recent data`,
  }
}

/** "[2011-06-12, 2011-09-10)" */
export const describeWindow = (w: CalibratedWindow) => `[${w.from}, ${w.to})`

export function evaluateGates(
  tags: Record<string, string>,
  channel: Channel,
  champion: string | null,
  t: GateThresholds,
  now: number
): GateResult[] {
  const gini = num(tags, 'metric.gini')
  const rmse = num(tags, 'metric.rmse')
  const out: GateResult[] = []

  if (champion === null) {
    out.push(
      {
        gate: 'gini_vs_champion',
        passed: true,
        value: null,
        threshold: `>= ${t.giniMargin}`,
        detail: `no champion on ${channel} yet`,
      },
      {
        gate: 'rmse_vs_champion',
        passed: true,
        value: null,
        threshold: `<= +${t.rmseTolerance * 100}%`,
        detail: `no champion on ${channel} yet`,
      }
    )
  } else {
    const { version: evaluatedAgainst, gini: cGini, rmse: cRmse } = evaluatedChampion(tags, channel)
    if (
      evaluatedAgainst !== champion ||
      cGini === null ||
      cRmse === null ||
      gini === null ||
      rmse === null
    ) {
      const why =
        evaluatedAgainst === undefined
          ? `the candidate was not evaluated against the ${channel} champion (version ${champion}); re-run the pipeline so evaluate scores both on the same test set`
          : evaluatedAgainst !== champion
            ? `the candidate was evaluated against version ${evaluatedAgainst} as the ${channel} champion, but the ${channel} champion is version ${champion}; re-run the pipeline`
            : `the evaluation lacks the Gini or RMSE of the candidate or of the ${channel} champion (it could not be scored: see the run's metrics.json)`
      out.push(
        {
          gate: 'gini_vs_champion',
          passed: false,
          value: null,
          threshold: `>= ${t.giniMargin}`,
          detail: why,
        },
        {
          gate: 'rmse_vs_champion',
          passed: false,
          value: null,
          threshold: `<= +${t.rmseTolerance * 100}%`,
          detail: why,
        }
      )
    } else {
      const lift = gini - cGini
      out.push({
        gate: 'gini_vs_champion',
        passed: lift >= t.giniMargin,
        value: round(lift),
        threshold: `>= ${t.giniMargin}`,
        detail: `normalised Gini ${round(gini)} vs the ${channel} champion ${round(cGini)} (version ${champion}) on the same test set`,
      })
      const worse = rmse / cRmse - 1
      out.push({
        gate: 'rmse_vs_champion',
        passed: worse <= t.rmseTolerance,
        value: round(worse),
        threshold: `<= ${t.rmseTolerance}`,
        detail: `RMSE ${round(rmse)} vs the ${channel} champion ${round(cRmse)}: ${worse <= 0 ? 'better or equal' : `${round(worse * 100)}% worse`}`,
      })
    }
  }

  const base = num(tags, 'baseline.last_90d.gini')
  if (gini === null || base === null) {
    out.push({
      gate: 'beats_last_90d',
      passed: false,
      value: null,
      threshold: `> ${t.baselineMargin}`,
      detail: 'the evaluation lacks the Gini of the candidate or of the last-90-days baseline',
    })
  } else {
    const lift = gini - base
    out.push({
      gate: 'beats_last_90d',
      passed: lift > t.baselineMargin,
      value: round(lift),
      threshold: `> ${t.baselineMargin}`,
      detail: `normalised Gini ${round(gini)} vs last 90 days ${round(base)}`,
    })
  }

  const ratio = num(tags, 'metric.sum_ratio')
  out.push({
    gate: 'sum_ratio_band',
    passed: ratio !== null && ratio >= t.sumRatioMin && ratio <= t.sumRatioMax,
    value: ratio === null ? null : round(ratio),
    threshold: `in [${t.sumRatioMin}, ${t.sumRatioMax}]`,
    detail:
      ratio === null
        ? 'the evaluation lacks sum_ratio'
        : 'predicted total over actual total on the test set',
  })

  const spec = tags['fcv.feature_spec.version'] ?? null
  out.push({
    gate: 'feature_spec_supported',
    passed: spec !== null && t.supportedSpecs.includes(spec),
    value: spec,
    threshold: `one of ${t.supportedSpecs.join(', ')}`,
    detail:
      spec === null
        ? 'the version has no fcv.feature_spec.version tag'
        : 'the edge worker and the widget compute these features',
  })
  out.push(calibratedWindowGate(tags, now))
  return out
}
