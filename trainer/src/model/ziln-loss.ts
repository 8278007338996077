// The ZILN negative log-likelihood in TensorFlow.js, exactly as clv-modeling.md section 6.1 and Google's
// zero_inflated_lognormal.py: binary cross-entropy of "bought" on z0, plus, for buyers, the lognormal
// negative log-density of the amount under (mu = z1, sigma = max(softplus(z2), SIGMA_FLOOR)). TF.js
// has no probability library, so the log-density is written out. A seed ensemble's joint model
// (ensemble.ts) outputs three logits per member: it trains on the sum of the members' losses and is
// judged on the loss of their averaged logits, the model that ships.

import { SIGMA_FLOOR } from '@fcv/core'
import type { Tensor } from '@tensorflow/tfjs'
import type { TF } from './tf.ts'

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI)

export type LossFn = (yTrue: Tensor, yPred: Tensor) => Tensor

/** Each row's (and member's) loss from the label y and the logits, all of one shape. */
function rowLoss(tf: TF, y: Tensor, z0: Tensor, mu: Tensor, z2: Tensor): Tensor {
  const bought = tf.cast(tf.greater(y, 0), 'float32')
  // max(z, 0) - t z + log(1 + exp(-|z|)): the numerically stable BCE with logits
  const bce = tf
    .relu(z0)
    .sub(bought.mul(z0))
    .add(tf.log1p(tf.exp(tf.neg(tf.abs(z0)))))
  const sigma = tf.maximum(tf.softplus(z2), SIGMA_FLOOR)
  // Non-buyers' labels become 1 so the log is defined; their term is multiplied by 0.
  const safeY = tf.where(tf.greater(y, 0), y, tf.onesLike(y))
  const logY = tf.log(safeY)
  const nll = logY
    .add(tf.log(sigma))
    .add(HALF_LOG_2PI)
    .add(tf.square(logY.sub(mu)).div(tf.square(sigma).mul(2)))
  return bce.add(bought.mul(nll))
}

/** The mean of per-row losses [n], weighted by yTrue's second column unless yTrue is [n, 1]. */
function batchMean(yTrue: Tensor, perRow: Tensor): Tensor {
  if (yTrue.shape[1] === 1) return perRow.mean()
  const w = yTrue.slice([0, 1], [-1, 1]).reshape([-1])
  return perRow.mul(w).sum().div(w.sum())
}

/**
 * loss(yTrue, yPred [n, 3] logits) -> scalar, the mean over the batch. The label is yTrue's first
 * column. TF.js layers insist that targets have the output's shape, so training passes [n, 3]: the
 * label, the row's weight, and 0; the mean is then weighted. A [n, 1] target weighs rows equally.
 */
export function zilnLoss(tf: TF): LossFn {
  return (yTrue, yPred) =>
    tf.tidy(() => {
      const y = yTrue.slice([0, 0], [-1, 1]).reshape([-1])
      const [z0, mu, z2] = tf.split(yPred, 3, 1).map((t) => t.reshape([-1])) as [
        Tensor,
        Tensor,
        Tensor,
      ]
      return batchMean(yTrue, rowLoss(tf, y, z0, mu, z2))
    })
}

/**
 * The training loss of a joint model of `members` networks (ensemble.ts): yPred [n, 3K] holds member
 * m's logits in columns 3m..3m+2, and yTrue [n, 3K] member m's row (its label, its weight, 0) there,
 * as each member reads its own rows. The sum over members of each one's zilnLoss, so each member's
 * gradient is the one it would have alone. One member: zilnLoss itself.
 */
export function zilnMembersLoss(tf: TF, members: number): LossFn {
  if (members === 1) return zilnLoss(tf)
  return (yTrue, yPred) =>
    tf.tidy(() => {
      const columns = (t: Tensor) =>
        tf.split(t.reshape([-1, members, 3]), 3, 2).map((c) => c.reshape([-1, members]))
      const [y, w] = columns(yTrue) as [Tensor, Tensor]
      const [z0, mu, z2] = columns(yPred) as [Tensor, Tensor, Tensor]
      // [n, K] -> each member's weighted mean over its rows -> their sum
      return rowLoss(tf, y, z0, mu, z2).mul(w).sum(0).div(w.sum(0)).sum()
    })
}

/**
 * The loss of the members' averaged logits: what the fused model (ensemble.ts, fuseEnsemble) scores,
 * so what early stopping judges. One member: zilnLoss itself.
 */
export function zilnEnsembleLoss(tf: TF, members: number): LossFn {
  const loss = zilnLoss(tf)
  if (members === 1) return loss
  return (yTrue, yPred) => tf.tidy(() => loss(yTrue, yPred.reshape([-1, members, 3]).mean(1)))
}
