// Mini-batch training of the ZILN network: Adam, batches in a seeded order, early stopping on the
// validation loss with the best weights restored, and the learning rate cut on a plateau (TF.js has no
// ReduceLROnPlateau). Then refitTo trains a fresh network on training + validation rows for the epochs
// and rates that search found best: the validation window is the latest, most like the future. The
// loop is ours rather than model.fit's, because fit shuffles with Math.random: with our shuffle a seed
// gives the same model on a given backend.
//
// A seed ensemble's joint model (ensemble.ts) trains the same way, each member on batches in its own
// seed's order (members that shared the order shared much of the seed's noise), on the sum of the
// members' losses. Early stopping and the learning-rate cuts follow the validation loss of the
// members' averaged logits: the model that ships. Stopping each member on its own validation loss
// instead, at its own best epoch, was tried: the spread of RMSE across 25 seeds was the same (28.0 and
// 29.7 with five members at the 2011-03-14 cutoff of the development log), for more epochs.

import type { LayersModel, Tensor } from '@tensorflow/tfjs'
import { Random } from '@fcv/core'
import type { TrainParams } from '../params/schema.ts'
import type { TF } from './tf.ts'
import { memberSeeds, membersOf } from './ensemble.ts'
import { zilnEnsembleLoss, zilnMembersLoss } from './ziln-loss.ts'

/** Rows of the input matrix (row-major) and their labels, major currency units. */
export interface Dataset {
  x: Float32Array
  y: Float32Array
  /** Per-row weights in the training loss (mean 1); every row weighs 1 without. */
  w?: Float32Array
  rows: number
  width: number
}

export interface EpochLog {
  epoch: number
  /** The training loss, per member of an ensemble. */
  loss: number
  /** The validation loss; an ensemble's is that of its members' averaged logits. */
  valLoss: number
  learningRate: number
  seconds: number
}

export interface TrainResult {
  epochs: EpochLog[]
  bestEpoch: number
  bestValLoss: number
  stoppedEarly: boolean
}

/** A validation loss must beat the best by this much to count as better. */
const MIN_DELTA = 1e-5

/** Adam keeps its rate in a field; Keras' ReduceLROnPlateau sets the optimiser's rate the same way. */
interface RateSettable {
  learningRate: number
}

export async function trainZiln(
  tf: TF,
  model: LayersModel,
  train: Dataset,
  valid: Dataset,
  p: TrainParams,
  onEpoch: (log: EpochLog, maxEpochs: number) => void = () => {}
): Promise<TrainResult> {
  if (train.rows === 0) throw new Error('the training set has no rows')
  if (valid.rows === 0) throw new Error('the validation set has no rows')
  const optimizer = tf.train.adam(p.learning_rate)
  const members = membersOf(model)
  const loss = zilnEnsembleLoss(tf, members)
  model.compile({ optimizer, loss: zilnMembersLoss(tf, members) })
  const runEpoch = epochRunner(tf, model, train, p)
  // Every member reads the same validation rows.
  const xValid = tf.tidy(() =>
    tf.tile(tf.tensor2d(valid.x, [valid.rows, valid.width]), [1, members])
  )
  const yValid = tf.tensor2d(valid.y, [valid.rows, 1])

  const epochs: EpochLog[] = []
  let best = Number.POSITIVE_INFINITY
  let bestEpoch = 0
  let bestWeights: Tensor[] | null = null
  let sinceBest = 0
  let sinceCut = 0
  let rate = p.learning_rate
  try {
    for (let epoch = 1; epoch <= p.max_epochs; epoch++) {
      const started = performance.now()
      const trainLoss = await runEpoch()
      const valLoss = tf.tidy(() => loss(yValid, model.predict(xValid) as Tensor).dataSync()[0]!)
      if (!Number.isFinite(valLoss)) {
        throw new Error(
          `the validation loss became ${valLoss} at epoch ${epoch}; lower train.learning_rate`
        )
      }
      const log = {
        epoch,
        loss: trainLoss,
        valLoss,
        learningRate: rate,
        seconds: (performance.now() - started) / 1000,
      }
      epochs.push(log)
      onEpoch(log, p.max_epochs)
      if (valLoss < best - MIN_DELTA) {
        best = valLoss
        bestEpoch = epoch
        for (const w of bestWeights ?? []) w.dispose()
        bestWeights = model.getWeights().map((w) => w.clone())
        sinceBest = 0
        sinceCut = 0
        continue
      }
      sinceBest++
      sinceCut++
      if (sinceBest >= p.patience) break
      if (sinceCut >= p.lr_patience && rate > p.min_learning_rate) {
        rate = Math.max(rate * p.lr_factor, p.min_learning_rate)
        ;(optimizer as unknown as RateSettable).learningRate = rate
        sinceCut = 0
      }
    }
    if (bestWeights) model.setWeights(bestWeights)
  } finally {
    for (const w of bestWeights ?? []) w.dispose()
    xValid.dispose()
    yValid.dispose()
  }
  const last = epochs[epochs.length - 1]
  return {
    epochs,
    bestEpoch,
    bestValLoss: best,
    stoppedEarly: last !== undefined && last.epoch < p.max_epochs,
  }
}

/**
 * One epoch at a time over `train`: rows shuffled by the seeded stream, mini-batches through
 * trainOnBatch; each call returns the epoch's mean training loss, per member of an ensemble. A joint
 * model's members each shuffle with their own seed's stream (member 0's is the seed's own), and a
 * batch row holds one row per member, side by side: inputs [n, K*width], targets [n, 3K].
 */
function epochRunner(
  tf: TF,
  model: LayersModel,
  train: Dataset,
  p: TrainParams
): () => Promise<number> {
  const members = membersOf(model)
  const randoms = memberSeeds(p.seed, members).map((seed) => new Random(seed))
  const orders = randoms.map(() => Uint32Array.from({ length: train.rows }, (_, i) => i))
  const batch = Math.min(p.batch_size, train.rows)
  const width = train.width * members
  const xb = new Float32Array(batch * width)
  // Targets padded to the output's width (see ziln-loss.ts): per member the label, the weight, 0.
  const yb = new Float32Array(batch * 3 * members)
  return async () => {
    orders.forEach((order, m) => shuffle(order, randoms[m]!))
    let lossSum = 0
    for (let from = 0; from < train.rows; from += batch) {
      const n = Math.min(batch, train.rows - from)
      for (let k = 0; k < n; k++) {
        for (let m = 0; m < members; m++) {
          const row = orders[m]![from + k] as number
          const at = k * members + m
          xb.set(train.x.subarray(row * train.width, (row + 1) * train.width), at * train.width)
          yb[3 * at] = train.y[row] as number
          yb[3 * at + 1] = train.w === undefined ? 1 : (train.w[row] as number)
        }
      }
      const x = tf.tensor2d(xb.subarray(0, n * width), [n, width])
      const y = tf.tensor2d(yb.subarray(0, 3 * members * n), [n, 3 * members])
      const batchLoss = (await model.trainOnBatch(x, y)) as number
      x.dispose()
      y.dispose()
      lossSum += batchLoss * n
    }
    return lossSum / train.rows / members
  }
}

/**
 * Trains `model` (fresh) on `data` for the first `search.bestEpoch` epochs of a finished search, at
 * the learning rate each of those epochs had: the search's schedule replayed on more rows.
 */
export async function refitTo(
  tf: TF,
  model: LayersModel,
  data: Dataset,
  search: TrainResult,
  p: TrainParams,
  onEpoch: (epoch: number, epochs: number, loss: number) => void = () => {}
): Promise<void> {
  if (data.rows === 0) throw new Error('the refit set has no rows')
  const schedule = search.epochs.slice(0, search.bestEpoch).map((e) => e.learningRate)
  const optimizer = tf.train.adam(schedule[0] ?? p.learning_rate)
  model.compile({ optimizer, loss: zilnMembersLoss(tf, membersOf(model)) })
  const runEpoch = epochRunner(tf, model, data, p)
  for (const [k, rate] of schedule.entries()) {
    ;(optimizer as unknown as RateSettable).learningRate = rate
    const loss = await runEpoch()
    if (!Number.isFinite(loss)) {
      throw new Error(`the refit loss became ${loss} at epoch ${k + 1}; lower train.learning_rate`)
    }
    onEpoch(k + 1, schedule.length, loss)
  }
}

/** Fisher-Yates with the seeded stream. */
function shuffle(order: Uint32Array, random: Random): void {
  for (let i = order.length - 1; i > 0; i--) {
    const j = random.int(i + 1)
    const t = order[i] as number
    order[i] = order[j] as number
    order[j] = t
  }
}
