// The ZILN network: input -> Dense ReLU layers (params.train.hidden) -> a 3-unit linear head. Layer
// names are explicit ("hidden_1", ..., "ziln_head"), so model.json and weights.bin have stable names
// the edge interpreter and diffs can rely on; initialisers are seeded, so a seed gives one model.

import { softplusInverse } from '@fcv/core'
import type { LayersModel } from '@tensorflow/tfjs'
import type { TF } from './tf.ts'

export interface NetworkOptions {
  inputWidth: number
  hidden: readonly number[]
  l2: number
  seed: number
  /** The head's starting biases: logit(share of buyers), mean and sd of log(label) over buyers. */
  headBias: [number, number, number]
}

export const HEAD_LAYER = 'ziln_head'

/** The labels' share of buyers, and the mean and sd of log(label) over the buyers. */
export function buyerLogStats(labels: ArrayLike<number>): {
  share: number
  mean: number
  sd: number
} {
  let buyers = 0
  let sum = 0
  let sumSq = 0
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i] as number
    if (y > 0) {
      const l = Math.log(y)
      buyers++
      sum += l
      sumSq += l * l
    }
  }
  const mean = buyers > 0 ? sum / buyers : 0
  return {
    share: buyers / Math.max(labels.length, 1),
    mean,
    sd: buyers > 1 ? Math.sqrt(Math.max(sumSq / buyers - mean * mean, 1e-4)) : 1,
  }
}

/**
 * Head biases that start the model at the training data's marginal distribution (clv-modeling.md
 * section 6.1): with the other logits near 0 at initialisation, the first loss is already that of the
 * best constant model, instead of tens of nats away from it.
 */
export function headBiasFor(labels: ArrayLike<number>): [number, number, number] {
  const { share, mean, sd } = buyerLogStats(labels)
  // Clamp the share away from 0 and 1, where the logit is infinite.
  const p = Math.min(Math.max(share, 1e-4), 1 - 1e-4)
  return [Math.log(p / (1 - p)), mean, softplusInverse(sd)]
}

export function buildNetwork(tf: TF, o: NetworkOptions): LayersModel {
  const model = tf.sequential({ name: 'fcv_ziln' })
  o.hidden.forEach((units, k) => {
    model.add(
      tf.layers.dense({
        name: `hidden_${k + 1}`,
        units,
        activation: 'relu',
        kernelInitializer: tf.initializers.heNormal({ seed: o.seed + k }),
        biasInitializer: 'zeros',
        kernelRegularizer: o.l2 > 0 ? tf.regularizers.l2({ l2: o.l2 }) : undefined,
        ...(k === 0 ? { inputShape: [o.inputWidth] } : {}),
      })
    )
  })
  model.add(
    tf.layers.dense({
      name: HEAD_LAYER,
      units: 3,
      activation: 'linear',
      // Small weights: the head starts close to its bias, the marginal distribution.
      kernelInitializer: tf.initializers.randomNormal({
        mean: 0,
        stddev: 0.01,
        seed: o.seed + o.hidden.length,
      }),
      biasInitializer: tf.initializers.constant({ value: 0 }),
    })
  )
  updateHeadBias(tf, model, (bias) => bias.set(o.headBias))
  return model
}

/** Rewrites the head's bias [z0 (buy), z1 (mu), z2 (sigma)] in place through `update`. */
export function updateHeadBias(
  tf: TF,
  model: LayersModel,
  update: (bias: Float32Array) => void
): void {
  const head = model.getLayer(HEAD_LAYER)
  const [kernel, bias] = head.getWeights() // the layer's own tensors: not to be disposed
  const values = Float32Array.from(bias!.dataSync())
  update(values)
  const updated = tf.tensor1d(values)
  head.setWeights([kernel!, updated])
  updated.dispose() // setWeights copied it
}
