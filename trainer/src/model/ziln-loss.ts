// The ZILN negative log-likelihood in TensorFlow.js, exactly as clv-modeling.md section 6.1 and Google's
// zero_inflated_lognormal.py: binary cross-entropy of "bought" on z0, plus, for buyers, the lognormal
// negative log-density of the amount under (mu = z1, sigma = max(softplus(z2), SIGMA_FLOOR)). TF.js
// has no probability library, so the log-density is written out.

import { SIGMA_FLOOR } from '@fcv/core'
import type { Tensor } from '@tensorflow/tfjs'
import type { TF } from './tf.ts'

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI)

/**
 * loss(yTrue, yPred [n, 3] logits) -> scalar, the mean over the batch. The label is yTrue's first
 * column. TF.js layers insist that targets have the output's shape, so training passes [n, 3]: the
 * label, the row's weight, and 0; the mean is then weighted. A [n, 1] target weighs rows equally.
 */
export function zilnLoss(tf: TF): (yTrue: Tensor, yPred: Tensor) => Tensor {
  return (yTrue, yPred) =>
    tf.tidy(() => {
      const y = yTrue.slice([0, 0], [-1, 1]).reshape([-1])
      const [z0, mu, z2] = tf.split(yPred, 3, 1).map((t) => t.reshape([-1])) as [
        Tensor,
        Tensor,
        Tensor,
      ]
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
      const perRow = bce.add(bought.mul(nll))
      if (yTrue.shape[1] !== 3) return perRow.mean()
      const w = yTrue.slice([0, 1], [-1, 1]).reshape([-1])
      return perRow.mul(w).sum().div(w.sum())
    })
}
