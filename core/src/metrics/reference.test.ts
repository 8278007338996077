import { describe, expect, it } from 'vitest'
import { auc } from './auc.ts'
import { decileMape } from './deciles.ts'
import { r2, r2Log1p, rmseLog1p } from './pointwise.ts'
import { normalizedGini, spearman, topCapture } from './ranking.ts'

// Reference values computed once with numpy 2.4.6 / pandas 3.1.1 (the repo's .venv has no scipy or
// scikit-learn), from vectors drawn with numpy.random.default_rng(7), n = 20:
//   y     = where(rng.random(n) < 0.4, 0, round(exp(rng.normal(3, 1, n)), 2))
//   yhat  = round(round(abs(y * rng.lognormal(0, 0.8, n) + rng.normal(0, 5, n)), 2)
//                 + 0.001 * rng.permutation(n), 3)                 (case 3: round(yhat / 10) * 10)
//   p     = round(rng.random(n), 1)                                (scores with ties)
// spearman: DataFrame({'y': y, 'yhat': yhat}).corr(method='spearman'), equal to 1e-12 to
//   np.corrcoef of Series.rank(method='average').
// auc: (Σ Series(p).rank(method='average')[y > 0] − n1 (n1 + 1) / 2) / (n1 n0).
// r2: 1 − Σ(yhat − y)² / Σ(y − ȳ)²; the log1p pair over y > 0 the same way on log1p values.
// gini_google: google/lifetime_value metrics.py (cumsum of y sorted by yhat descending,
//   2 Σ / n − 1, over the same for y); gini: pandas groupby('yhat').transform('mean') of y, that
//   cumsum, and 1/n subtracted from both G before dividing.
// top10_capture: the group-mean y of the first 2 rows of that sort over Σy.
// decile_mape: np.argsort(-yhat, kind='stable') in runs of 2, mean over runs with mean y > 0 of
//   |mean yhat − mean y| / mean y.
const CASES = [
  {
    y: [
      3.18, 15.88, 5.66, 0, 0, 16.66, 0, 11.72, 19.13, 22.5, 0, 0, 0, 8.95, 58.03, 8.96, 19.44,
      48.64, 11.21, 17.96,
    ],
    yhat: [
      4.503, 14.402, 2.762, 5.956, 2.91, 3.856, 4.497, 18.631, 4.848, 107.527, 3.245, 9.96, 2.339,
      13.718, 56.181, 18.934, 16.803, 81.115, 34.184, 18.089,
    ],
    p: [
      0.4, 0, 0.1, 1, 0.7, 0.4, 0.5, 0.9, 0.3, 0.6, 0.7, 0.4, 0.5, 0.8, 0.9, 0.2, 0.9, 0, 0.8, 0.8,
    ],
    spearman: 0.7124442835765596,
    auc_p: 0.40476190476190477,
    r2: -1.0270622095193063,
    r2_log1p: -0.2687025808189929,
    rmse_log1p: 0.7635707646556277,
    gini_google: 0.7915842300825169,
    gini: 0.7732629865868703,
    top10_capture: 0.26552702299193787,
    decile_mape: 0.5188864465020921,
  },
  {
    y: [
      0, 15.27, 17.12, 0, 60.26, 11.67, 19.08, 9.09, 0, 0, 0, 0, 0, 20.35, 10.03, 0, 0, 20.25, 13.8,
      14.88,
    ],
    yhat: [
      6.68, 5.475, 65.76, 0.171, 23.732, 12.767, 61.974, 1.337, 0.773, 0.129, 5.891, 3.418, 1.919,
      18.745, 1.422, 4.753, 4.836, 17.368, 8.414, 9.546,
    ],
    p: [
      0.3, 0.9, 0.8, 0.1, 0.8, 0.9, 0.2, 0.6, 0.6, 0.6, 0.1, 0.7, 0.6, 0.8, 0.8, 0.3, 0.7, 0.9, 0.9,
      0.2,
    ],
    spearman: 0.7788224089907549,
    auc_p: 0.8232323232323232,
    r2: -0.5599706875965911,
    r2_log1p: -3.0894253012177906,
    rmse_log1p: 0.9304423128063678,
    gini_google: 0.8199287286598265,
    gini: 0.8051320251092128,
    top10_capture: 0.17091595845136923,
    decile_mape: 0.7415500269004287,
  },
  {
    y: [0, 76.22, 0, 6.22, 7.84, 0, 0, 21.07, 19.04, 0, 0, 0, 24.92, 7.08, 0, 0, 59.97, 0, 0, 0],
    yhat: [10, 310, 0, 10, 20, 0, 0, 20, 20, 10, 0, 0, 20, 20, 10, 0, 200, 0, 10, 0],
    p: [
      0.1, 1, 0.1, 0.2, 0.6, 0.4, 0.8, 0.2, 0.9, 0.2, 0.8, 0.1, 0.5, 0, 0.3, 0.3, 0.7, 0.5, 0.1, 1,
    ],
    spearman: 0.8894194819441689,
    auc_p: 0.6041666666666666,
    r2: -7.813644493503411,
    r2_log1p: 0.07383374554995237,
    rmse_log1p: 0.8101725887715006,
    gini_google: undefined, // tied predictions: Google's figure depends on the tie order
    gini: 0.964701211723686,
    top10_capture: 0.612475265335492,
    decile_mape: 1.7342353478696602,
  },
]

describe('agreement with numpy/pandas reference values', () => {
  CASES.forEach((c, i) => {
    it(`case ${i + 1}`, () => {
      const labels = c.y.map((v) => (v > 0 ? 1 : 0))
      expect(spearman(c.y, c.yhat)).toBeCloseTo(c.spearman, 12)
      expect(auc(labels, c.p)).toBeCloseTo(c.auc_p, 12)
      expect(r2(c.y, c.yhat)).toBeCloseTo(c.r2, 12)
      expect(r2Log1p(c.y, c.yhat)).toBeCloseTo(c.r2_log1p, 12)
      expect(rmseLog1p(c.y, c.yhat)).toBeCloseTo(c.rmse_log1p, 12)
      expect(normalizedGini(c.y, c.yhat)).toBeCloseTo(c.gini, 12)
      expect(topCapture(c.y, c.yhat).capture).toBeCloseTo(c.top10_capture, 12)
      expect(decileMape(c.y, c.yhat).mape).toBeCloseTo(c.decile_mape, 12)
      if (c.gini_google !== undefined) {
        // Without ties, ours is Google's with 1/n taken off both G: recover theirs from ours.
        const n = c.y.length
        const gLorenz = googleLorenzG(c.y)
        const ours = normalizedGini(c.y, c.yhat)
        const googleModel = ours * (gLorenz - 1 / n) + 1 / n
        expect(googleModel / gLorenz).toBeCloseTo(c.gini_google, 12)
      }
    })
  })
})

/** Google's unnormalized G of the ordering by y itself: (2/n) Σ_k C_k − 1. */
function googleLorenzG(y: number[]): number {
  const sorted = [...y].sort((a, b) => b - a)
  const total = sorted.reduce((a, b) => a + b, 0)
  let cum = 0
  let sum = 0
  for (const v of sorted) {
    cum += v
    sum += cum / total
  }
  return (2 * sum) / y.length - 1
}
