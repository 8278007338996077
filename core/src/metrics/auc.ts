// Area under the ROC curve for "will buy": the Mann-Whitney statistic with ties counted as 1/2.

import { sortDescending, type Sorted } from './order.ts'
import { checkLength, checkValues } from './validate.ts'

/**
 * P(score of a random positive > score of a random negative) + 1/2 P(equal), for labels in {0, 1}.
 * This is the AUC of scikit-learn's roc_auc_score, computed in O(n log n) from one sort. NaN when
 * only one class is present (the metrics JSON then holds null and the report shows "n/a").
 */
export function auc(labels01: ArrayLike<number>, scores: ArrayLike<number>): number {
  checkValues('auc', 'labels01', labels01)
  for (let i = 0; i < labels01.length; i++) {
    const v = labels01[i] as number
    if (v !== 0 && v !== 1) throw new RangeError(`auc: labels01[${i}] = ${v} is not 0 or 1`)
  }
  checkLength('auc', 'scores', scores, labels01, 'labels01')
  checkValues('auc', 'scores', scores)
  return aucFromSorted(sortDescending(scores, labels01))
}

/** AUC from scores sorted descending, with values > 0 as the positives (labels, or y itself). */
export function aucFromSorted(s: Sorted): number {
  const { values, groups } = s
  // Walking down the scores, each negative ranks below every positive seen so far (a win for each
  // pair) and ties with the positives of its own group (half a win each). The counts stay below
  // 2^53, so the sums are exact.
  let positivesAbove = 0
  let wins = 0
  for (let g = 0; g + 1 < groups.length; g++) {
    const start = groups[g] as number
    const end = groups[g + 1] as number
    let p = 0
    for (let k = start; k < end; k++) if ((values[k] as number) > 0) p++
    const m = end - start - p
    wins += m * positivesAbove + 0.5 * m * p
    positivesAbove += p
  }
  const neg = values.length - positivesAbove
  return positivesAbove === 0 || neg === 0 ? Number.NaN : wins / (positivesAbove * neg)
}
