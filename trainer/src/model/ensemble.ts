// A seed ensemble of ZILN networks (params.train.ensemble): K members of network.ts's shape, each with
// its own seed, trained together as one joint model, then fused into one plain Sequential Dense chain
// that core's interpreter scores unchanged at the edge and in the widget.
//
// The joint model holds the members side by side, apart:
//   input     [n, K*in]: member m reads columns m*in..(m+1)*in, its own rows of the batch
//   hidden_k  BlockDense(K x h(k-1) -> h(k), relu): member m's block reads only member m's units
//   ziln_head BlockDense(K x h -> 3, linear): member m's [z0, mu, z2] in output columns 3m..3m+2
// so one batch costs a handful of batched matrix products whatever K is, not K networks' worth of
// ops. Each member draws its batches in its own seeded order (train-loop.ts), and the loss
// (ziln-loss.ts, zilnMembersLoss) is the sum of the members' ZILN losses, so a member's gradient is
// exactly the one it would get alone, its L2 penalty included; Adam scales each weight on its own.
// Each member therefore is the network its seed gives alone (network.ts's initialisation, that
// seed's batch order), except that the learning-rate cuts and the stopping epoch are shared
// (train-loop.ts). Members that shared one batch order shared much of the seed's noise: on the
// development log at the 2011-03-14 cutoff, a customer's prediction moved across seeds 1-5 by a median
// 9.3% for one network, 6.8% for five members in one order and 4.7% for five in their own orders.
//
// Fusion averages the members' head pre-activations [z0, mu, softplus^-1 sigma]: the first layer's
// kernels side by side (every member reads the same input once fused), the later hidden layers
// block-diagonal (zeros off the diagonal blocks), and the head the members' head kernels stacked
// vertically over K with the mean of their biases. The average of the members' logits is itself a
// ZILN (one p, one lognormal), so P(buy), the quantiles and level.ts's fold into the mu bias stay
// what they are for one network; averaging the members' expected values instead would give a
// mixture, with no closed-form quantiles and no single head for the interpreter.
//
// Size: the fused chain holds in*K*h1 + K*K*h1*h2 + ... weights, most of the later layers zeros,
// and the widget downloads them; core's interpreter skips them when it scores (dense-model.ts's
// spans: 1,000 rows in about 9 ms instead of 30). The defaults (params.yaml: 10 members of [32,
// 16]) come from measuring on the development log (cutoffs 2011-03-14, 2011-06-12) and the sample,
// seeds 1-5: they hold as many floats as 5 members of [64, 32] (weights.bin 252 KB, 71 KB gzipped
// against 89 KB), moved a customer's prediction across seeds by a median 3.7%, 3.6% and 4.7% (5 x
// [64, 32]: 4.7%, 5.7%, 5.6%; 5 x [32, 16]: 5.1%, 5.2%, 6.3%; one [64, 32] network: 9.3%, 11.3%,
// 13.7%), at about the same accuracy (mean RMSE 794, 904 and 1210, against 786, 939 and 1194 for 5
// x [64, 32] and 812, 948 and 1206 for one network; Gini equal or higher), for 1.2 times the
// training time of 5 x [64, 32] (narrower members run more epochs) and about 4 times that of one
// network.

import type { LayersModel, Tensor } from '@tensorflow/tfjs'
import { HEAD_LAYER, buildNetwork, type NetworkOptions } from './network.ts'
import type { TF } from './tf.ts'

export interface EnsembleOptions extends NetworkOptions {
  /** Members: 1 is network.ts's single network, unchanged. */
  members: number
}

/**
 * Member m's seed, for its initialisation and its batch order: seed + 1000 m. Member 0 has the
 * ensemble's own seed (so one member is the single network of that seed), and network.ts seeds layer
 * k with seed + k, so members never share a layer's initialiser, nor do the members of ensembles whose
 * seeds are less than 1000 apart (seeds 1..5 give five ensembles of 25 distinct members).
 */
export function memberSeeds(seed: number, members: number): number[] {
  return Array.from({ length: members }, (_, m) => seed + MEMBER_SEED_STRIDE * m)
}

const MEMBER_SEED_STRIDE = 1000

/** The number of members of a joint model: its output holds three logits per member. */
export function membersOf(model: LayersModel): number {
  const width = model.outputs[0]?.shape[1]
  if (typeof width !== 'number' || width % 3 !== 0) {
    throw new Error(`a ZILN model outputs 3 logits per member, not ${String(width)}`)
  }
  return width / 3
}

interface BlockDenseArgs {
  name: string
  blocks: number
  units: number
  activation: 'relu' | 'linear'
  l2: number
}

type Layer = InstanceType<TF['layers']['Layer']>

/**
 * BlockDense: `blocks` Dense layers side by side, block b mapping input units [b*in, (b+1)*in) to
 * output units [b*units, (b+1)*units); kernel [blocks, in, units], bias [blocks, 1, units]. One batched
 * matrix product per call. It exists only while training (never saved: fuseEnsemble writes plain
 * Dense layers), so it is not registered for serialisation.
 */
function blockDense(tf: TF, args: BlockDenseArgs): Layer {
  class BlockDense extends tf.layers.Layer {
    static readonly className = 'FcvBlockDense'
    private kernel: ReturnType<Layer['addWeight']> | null = null
    private bias: ReturnType<Layer['addWeight']> | null = null

    constructor() {
      super({ name: args.name })
    }

    override build(inputShape: (number | null)[] | (number | null)[][]): void {
      const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as (number | null)[]
      const width = shape[shape.length - 1] as number
      const inputs = width / args.blocks
      const zeros = tf.initializers.zeros()
      this.kernel = this.addWeight(
        'kernel',
        [args.blocks, inputs, args.units],
        'float32',
        zeros,
        args.l2 > 0 ? tf.regularizers.l2({ l2: args.l2 }) : undefined,
        true
      )
      this.bias = this.addWeight('bias', [args.blocks, 1, args.units], 'float32', zeros)
      this.built = true
    }

    override computeOutputShape(inputShape: (number | null)[]): (number | null)[] {
      return [inputShape[0] ?? null, args.blocks * args.units]
    }

    override call(inputs: Tensor | Tensor[]): Tensor {
      return tf.tidy(() => {
        const x = Array.isArray(inputs) ? (inputs[0] as Tensor) : inputs
        const rows = x.shape[0] as number
        const kernel = this.kernel!.read()
        const inUnits = kernel.shape[1] as number
        // [n, B*in] -> [B, n, in] x [B, in, units] -> [B, n, units] -> [n, B*units]
        const blocks = x.reshape([rows, args.blocks, inUnits]).transpose([1, 0, 2])
        const z = tf
          .matMul(blocks as Tensor, kernel as Tensor)
          .add(this.bias!.read())
          .transpose([1, 0, 2])
          .reshape([rows, args.blocks * args.units])
        return args.activation === 'relu' ? tf.relu(z) : z
      })
    }

    override getClassName(): string {
      return BlockDense.className
    }
  }
  return new BlockDense()
}

/**
 * A fresh joint model of `o.members` networks (see the top of the file), whose input is the members'
 * inputs side by side ([n, K*in]); with one member, network.ts's network itself. Each member starts as
 * buildNetwork starts the network of its seed.
 */
export function buildEnsemble(tf: TF, o: EnsembleOptions): LayersModel {
  const seeds = memberSeeds(o.seed, o.members)
  if (o.members === 1) return buildNetwork(tf, o)
  const k = o.members
  const starts = seeds.map((seed) => {
    const member = buildNetwork(tf, { ...o, seed })
    const weights = member.getWeights().map((w) => w.clone())
    member.dispose()
    return weights
  })
  const model = tf.sequential({ name: 'fcv_ziln_ensemble' })
  model.add(tf.layers.inputLayer({ inputShape: [k * o.inputWidth] }))
  o.hidden.forEach((units, i) => {
    model.add(
      blockDense(tf, { name: `hidden_${i + 1}`, blocks: k, units, activation: 'relu', l2: o.l2 })
    )
  })
  // The head has no L2, as in network.ts.
  model.add(blockDense(tf, { name: HEAD_LAYER, blocks: k, units: 3, activation: 'linear', l2: 0 }))
  const joint = tf.tidy(() =>
    starts[0]!.map((_, i) => {
      const stacked = tf.stack(starts.map((w) => w[i]!)) // [K, in, units] or [K, units]
      return i % 2 === 0 ? stacked : stacked.expandDims(1)
    })
  )
  model.setWeights(joint)
  for (const t of [...joint, ...starts.flat()]) t.dispose()
  return model
}

/**
 * The joint model as one plain Sequential Dense chain (hidden_1.., ziln_head) whose output is the mean
 * of the members' head pre-activations; with one member, the model itself. The joint model is left as
 * it was (the caller disposes of it).
 */
export function fuseEnsemble(
  tf: TF,
  joint: LayersModel,
  o: Pick<EnsembleOptions, 'inputWidth' | 'hidden' | 'members'>
): LayersModel {
  if (o.members === 1) return joint
  const k = o.members
  const weights = joint.getWeights() // the model's own tensors: not to be disposed
  const fused = tf.tidy(() => {
    // The first layer: the members' kernels side by side, [in, K*h1].
    const first = weights[0]! // [K, in, h1]
    const [, inputs, h1] = first.shape as [number, number, number]
    const out: Tensor[] = [
      first.transpose([1, 0, 2]).reshape([inputs, k * h1]),
      weights[1]!.reshape([k * h1]),
    ]
    for (let layer = 1; layer < o.hidden.length; layer++) {
      const kernel = weights[2 * layer]! // [K, in, units]
      const [, inUnits, units] = kernel.shape as [number, number, number]
      const blocks = tf.unstack(kernel)
      // Row block m: zeros, member m's kernel, zeros.
      const rows = blocks.map((b, m) =>
        tf.pad(b, [
          [0, 0],
          [m * units, (k - 1 - m) * units],
        ])
      )
      out.push(tf.concat(rows, 0).reshape([k * inUnits, k * units]))
      out.push(weights[2 * layer + 1]!.reshape([k * units]))
    }
    const head = weights[2 * o.hidden.length]! // [K, h, 3]
    out.push(head.reshape([-1, 3]).div(k))
    out.push(weights[2 * o.hidden.length + 1]!.reshape([k, 3]).mean(0))
    return out
  })
  const model = tf.sequential({ name: 'fcv_ziln' })
  const widths = o.hidden.map((h) => h * k)
  widths.forEach((units, i) => {
    model.add(
      tf.layers.dense({
        name: `hidden_${i + 1}`,
        units,
        activation: 'relu',
        kernelInitializer: 'zeros',
        biasInitializer: 'zeros',
        ...(i === 0 ? { inputShape: [o.inputWidth] } : {}),
      })
    )
  })
  model.add(
    tf.layers.dense({
      name: HEAD_LAYER,
      units: 3,
      activation: 'linear',
      kernelInitializer: 'zeros',
      biasInitializer: 'zeros',
    })
  )
  model.setWeights(fused)
  for (const t of fused) t.dispose()
  return model
}
