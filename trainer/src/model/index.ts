// `fcv train`: fits the feature encoding on the training rows, trains a seed ensemble of ZILN
// networks (ensemble.ts) with early stopping on the validation split, picks its blend with
// btyd_value there (core's stack.ts), sets its total for the horizon after the test cutoff
// (level.ts: reads the test rows' features, known at the cutoff, never their labels), and saves it
// (layers format, with spec, encoding, calibrated window and the test rows' training profile for
// drift, profile.ts) to params.train.out_dir.

import { join } from 'node:path'
import { calibratedWindowOf, DAY_MS, formatDay, parseInstant } from '@fcv/core'
import { readInterim } from '../interim/index.ts'
import type { Params } from '../params/schema.ts'
import { encodeTable, fitEncoding, type FeatureEncoding } from './encoding.ts'
import { readFeatureSets } from './feature-sets.ts'
import { saveModel, type ModelMetadata, type ValidationLevel } from './model-files.ts'
import { predictTable } from './predict.ts'
import { trainingProfile } from './profile.ts'
import { baggedBlendWeight } from './blend.ts'
import { levelAdjustment } from './level.ts'
import { HEAD_LAYER, buyerLogStats, headBiasFor, updateHeadBias } from './network.ts'
import { buildEnsemble, fuseEnsemble, memberSeeds, type EnsembleOptions } from './ensemble.ts'
import type { TF } from './tf.ts'
import { refitTo, trainZiln, type Dataset, type EpochLog, type TrainResult } from './train-loop.ts'
import type { FeatureTable } from '../features/read-table.ts'

export interface TrainOptions {
  tf: TF
  /** The backend's name, recorded with the model ("tensorflow" or "cpu"). */
  backend: string
  log?: (line: string) => void
}

export interface TrainSummary {
  result: TrainResult
  encoding: FeatureEncoding
  trainRows: number
  validRows: number
  seconds: number
}

/**
 * The clamp on log(value): `factor` times the largest training label. A wide sigma on an unusual
 * customer otherwise gives an absurd mean (clv-modeling.md 6.1, google/lifetime_value#16).
 */
function maxLogValueFor(labels: ArrayLike<number>, factor: number): number {
  let max = 0
  for (let i = 0; i < labels.length; i++) max = Math.max(max, labels[i] as number)
  return Math.log(Math.max(max, 1) * factor)
}

/** The btyd_value column: train.level_target btyd and the stack read it. */
function btydColumn(table: FeatureTable): Float64Array {
  const btyd = table.numeric['btyd_value']
  if (!btyd) throw new Error('train.level_target btyd and train.stack need the btyd_value feature')
  return btyd
}

/**
 * The table with each cutoff's labels scaled so that their total is the BG/NBD x Gamma-Gamma
 * total at that cutoff (btyd_value): the network then learns each window's spread around the
 * structural model's level (which follows a population's decay and growth), not the level of
 * windows in other seasons or at other stages of the store's life.
 */
export function btydLevelLabels(table: FeatureTable): FeatureTable {
  const btyd = btydColumn(table)
  const sums = new Map<number, { y: number; b: number }>()
  for (let i = 0; i < table.rows; i++) {
    const c = table.cutoffs[i] as number
    const s = sums.get(c) ?? { y: 0, b: 0 }
    s.y += table.label[i] as number
    s.b += btyd[i] as number
    sums.set(c, s)
  }
  const label = Float64Array.from(table.label, (y, i) => {
    const s = sums.get(table.cutoffs[i] as number)!
    return s.y > 0 && s.b > 0 ? (y * s.b) / s.y : y
  })
  return { ...table, label }
}

/** The network's and the labels' totals over a table's rows (major units). */
function validationTotals(
  predicted: ArrayLike<number>,
  table: FeatureTable
): ValidationLevel | null {
  if (table.rows === 0) return null
  let sum = 0
  for (let i = 0; i < table.rows; i++) sum += predicted[i] as number
  const actual = table.label.reduce((a, b) => a + b, 0)
  return { cutoff: formatDay(table.cutoffs[0]!), predicted: sum, actual }
}

/** The rows of `a` then those of `b`: training and validation rows for the refit. */
export function concatTables(a: FeatureTable, b: FeatureTable): FeatureTable {
  const join = (x: Float64Array, y: Float64Array): Float64Array => {
    const out = new Float64Array(x.length + y.length)
    out.set(x)
    out.set(y, x.length)
    return out
  }
  const numeric: Record<string, Float64Array> = {}
  for (const [k, v] of Object.entries(a.numeric)) {
    const w = b.numeric[k]
    if (!w) throw new Error(`concatTables: the second table has no column "${k}"`)
    numeric[k] = join(v, w)
  }
  const categorical: Record<string, string[]> = {}
  for (const [k, v] of Object.entries(a.categorical)) {
    const w = b.categorical[k]
    if (!w) throw new Error(`concatTables: the second table has no column "${k}"`)
    categorical[k] = [...v, ...w]
  }
  return {
    rows: a.rows + b.rows,
    customerIds: [...a.customerIds, ...b.customerIds],
    cutoffs: join(a.cutoffs, b.cutoffs),
    numeric,
    categorical,
    label: join(a.label, b.label),
    labelMinor: join(a.labelMinor, b.labelMinor),
  }
}

function dataset(
  encoding: FeatureEncoding,
  table: FeatureTable,
  weighting?: { halfLifeDays: number; valuePower: number }
): Dataset {
  const set: Dataset = {
    x: encodeTable(encoding, table),
    y: Float32Array.from(table.label),
    rows: table.rows,
    width: encoding.width,
  }
  if (weighting && table.rows > 0)
    set.w = rowWeights(table, weighting.halfLifeDays, weighting.valuePower)
  return set
}

/**
 * Training-row weights, mean 1: recency (see recencyWeights) times (1 + log1p(spend in the last
 * 365 days))^valuePower. The likelihood of a few large customers is otherwise drowned by thousands of
 * small ones, while they hold most of the value to predict; on a log scale the emphasis stays mild.
 */
export function rowWeights(
  table: FeatureTable,
  halfLifeDays: number,
  valuePower: number
): Float32Array {
  const w =
    halfLifeDays > 0
      ? recencyWeights(table.cutoffs, halfLifeDays)
      : new Float32Array(table.rows).fill(1)
  if (valuePower > 0) {
    const spend = table.numeric['spend_365d']
    if (!spend) throw new Error('train.value_weight_power needs the spend_365d feature')
    let sum = 0
    for (let i = 0; i < table.rows; i++) {
      w[i] = (w[i] as number) * (1 + Math.log1p(Math.max(0, spend[i] as number))) ** valuePower
      sum += w[i] as number
    }
    const mean = sum / table.rows
    for (let i = 0; i < table.rows; i++) w[i] = (w[i] as number) / mean
  }
  return w
}

/** 0.5^(days before the latest cutoff / half-life), scaled to mean 1. */
export function recencyWeights(cutoffs: Float64Array, halfLifeDays: number): Float32Array {
  let latest = Number.NEGATIVE_INFINITY
  for (const c of cutoffs) latest = Math.max(latest, c)
  const raw = Float64Array.from(cutoffs, (c) => 0.5 ** ((latest - c) / DAY_MS / halfLifeDays))
  const mean = raw.reduce((a, b) => a + b, 0) / raw.length
  return Float32Array.from(raw, (w) => w / mean)
}

function formatSeconds(s: number): string {
  if (s < 60) return `${s.toFixed(0)} s`
  return `${Math.floor(s / 60)} min ${String(Math.round(s % 60)).padStart(2, '0')} s`
}

/** One line per epoch: losses, the best so far, the rate, elapsed time and the most it has left. */
export function epochLine(
  log: EpochLog,
  maxEpochs: number,
  best: { epoch: number; valLoss: number },
  elapsed: number
): string {
  const perEpoch = elapsed / log.epoch
  return (
    `train: epoch ${log.epoch}/${maxEpochs} loss ${log.loss.toFixed(4)} ` +
    `val ${log.valLoss.toFixed(4)} (best ${best.valLoss.toFixed(4)} @ ${best.epoch}) ` +
    `lr ${log.learningRate.toExponential(1)} | ${formatSeconds(elapsed)} elapsed, ` +
    `ETA ≤ ${formatSeconds(perEpoch * (maxEpochs - log.epoch))}`
  )
}

export async function runTrain(params: Params, options: TrainOptions): Promise<TrainSummary> {
  const { tf } = options
  const log = options.log ?? ((line: string) => process.stderr.write(line + '\n'))
  const p = params.train
  const f = params.features
  const started = performance.now()
  const read = await readFeatureSets(f.out_dir)
  const sets =
    p.level_target === 'btyd'
      ? {
          ...read,
          train: btydLevelLabels(read.train),
          valid: btydLevelLabels(read.valid),
        }
      : read
  const spec = sets.report.feature_spec
  const encoding = fitEncoding(spec, sets.train)
  log(
    `train: ${sets.train.rows} training rows, ${sets.valid.rows} validation rows, ` +
      `${encoding.width} inputs, layers ${[...p.hidden, 3].join('-')}, backend ${options.backend}`
  )
  const seeds = memberSeeds(p.seed, p.ensemble)
  if (p.ensemble > 1) {
    log(`train: an ensemble of ${p.ensemble} networks, seeds ${seeds.join(', ')}, trained jointly`)
  }
  const weighting = { halfLifeDays: p.recency_half_life_days, valuePower: p.value_weight_power }
  const shape: Omit<EnsembleOptions, 'headBias'> = {
    inputWidth: encoding.width,
    hidden: p.hidden,
    l2: p.l2,
    seed: p.seed,
    members: p.ensemble,
  }
  // Fresh networks whose heads start at these labels' marginal distribution.
  const network = (labels: ArrayLike<number>) =>
    buildEnsemble(tf, { ...shape, headBias: headBiasFor(labels) })
  let model = network(sets.train.label)
  let best = { epoch: 0, valLoss: Number.POSITIVE_INFINITY }
  const result = await trainZiln(
    tf,
    model,
    dataset(encoding, sets.train, weighting),
    dataset(encoding, sets.valid),
    p,
    (e, maxEpochs) => {
      if (e.valLoss < best.valLoss) best = { epoch: e.epoch, valLoss: e.valLoss }
      log(epochLine(e, maxEpochs, best, (performance.now() - started) / 1000))
    }
  )
  log(
    `train: ${result.stoppedEarly ? 'stopped early' : 'ran every epoch'}; keeping epoch ` +
      `${result.bestEpoch} (validation loss ${result.bestValLoss.toFixed(4)})`
  )
  const testCutoff = sets.report.cutoffs.find((c) => c.split === 'test')
  if (!testCutoff?.btyd) {
    throw new Error(`${f.out_dir}/schema.json has no btyd_value fit at the test cutoff`)
  }
  const metadataFor = (fitted: FeatureTable): ModelMetadata => ({
    format: 'fcv-ziln',
    formatVersion: 3,
    featureSpec: spec,
    encoding,
    maxLogValue: maxLogValueFor(fitted.label, p.max_value_factor),
    // sd of log(label) over the buyers: the widest credible sigma (core's zilnParams)
    maxSigma: buyerLogStats(fitted.label).sd,
    btyd: testCutoff.btyd!.params,
    headLayer: HEAD_LAYER,
    backend: options.backend,
    seed: p.seed,
    levelAdjustment: null,
    calibratedWindow: calibratedWindowOf(f.test_cutoff, f.horizon_days, false),
    validationLevel: null,
  })
  // The network before the refit has not seen the validation rows: its total there says how far
  // off an uncorrected network's level is, out of sample, and with train.stack validation it picks
  // the blend's weight below.
  const unseen = fuseEnsemble(tf, model, shape)
  const unseenValid = predictTable(tf, unseen, metadataFor(sets.train), sets.valid).expected
  if (unseen !== model) unseen.dispose()
  const validationLevel = validationTotals(unseenValid, sets.valid)
  // The blend with btyd_value: a fixed weight (the default, 0.5), or one picked on the validation
  // rows by the network that has not seen them (blend.ts).
  const stack =
    p.stack === 'off'
      ? undefined
      : {
          networkWeight:
            typeof p.stack === 'number'
              ? p.stack
              : baggedBlendWeight(
                  {
                    network: unseenValid,
                    btyd: btydColumn(read.valid),
                    label: read.valid.label,
                  },
                  p.seed
                ),
          btydScale: 1,
        }
  if (stack) log(`train: the mean blends the network (${stack.networkWeight}) with btyd_value`)
  // The rows the final weights were fitted on, and so the clamps' reference.
  let fitted = sets.train
  if (p.refit) {
    fitted = concatTables(sets.train, sets.valid)
    model.dispose()
    model = network(fitted.label)
    log(`train: refit on ${fitted.rows} training + validation rows for ${result.bestEpoch} epochs`)
    await refitTo(tf, model, dataset(encoding, fitted, weighting), result, p, (e, n, loss) =>
      log(
        `train: refit epoch ${e}/${n} loss ${loss.toFixed(4)} | ` +
          `${formatSeconds((performance.now() - started) / 1000)} elapsed`
      )
    )
  }
  // The members averaged in one plain Dense chain: what the edge and the widget score.
  const fused = fuseEnsemble(tf, model, shape)
  if (fused !== model) model.dispose()
  model = fused
  const metadata = metadataFor(fitted)
  metadata.validationLevel = validationLevel
  metadata.ensemble = { members: p.ensemble, seeds }
  if (stack) metadata.stack = stack
  if (p.level_adjustment) {
    const tx = await readInterim(join(params.ingest.out_dir, 'transactions.arrow'))
    const a = levelAdjustment({
      tx,
      t0: parseInstant(f.test_cutoff),
      horizonDays: f.horizon_days,
      trainingCutoffs: sets.report.cutoffs
        .filter((c) => c.split !== 'test')
        .map((c) => parseInstant(c.t0)),
      halfLifeDays: p.recency_half_life_days,
      networkTotal: predictTable(tf, model, metadata, sets.test).expected.reduce(
        (x, y) => x + y,
        0
      ),
    })
    metadata.levelAdjustment = a
    metadata.calibratedWindow = calibratedWindowOf(f.test_cutoff, f.horizon_days, a.applied)
    if (a.applied) {
      updateHeadBias(tf, model, (bias) => {
        bias[1] = (bias[1] as number) + Math.log(a.scale)
      })
      // The blend's structural part moves with the network's (core's stack.ts).
      if (metadata.stack) metadata.stack.btydScale = a.scale
    }
    log(
      a.applied
        ? `train: level: last year's ${f.horizon_days}-day change x${a.rho.toFixed(3)} gives a total of ` +
            `${a.target.toFixed(0)} ${params.data.currency} against the network's ` +
            `${a.predicted.toFixed(0)}; ${a.checks.length} rolling-origin checks weigh it ` +
            `${a.weight.toFixed(2)}: predictions scaled by ${a.scale.toFixed(3)}`
        : `train: level as the network learned it: ${a.reason}`
    )
  }
  // What drift is measured against: the test cutoff's rows as the final model scores them.
  if (sets.test.rows > 0) {
    metadata.profile = trainingProfile(
      spec,
      sets.test,
      predictTable(tf, model, metadata, sets.test)
    )
  } else log('train: the test set has no rows: the model carries no training profile for drift')
  await saveModel(tf, model, p.out_dir, metadata, result)
  model.dispose()
  return {
    result,
    encoding,
    trainRows: sets.train.rows,
    validRows: sets.valid.rows,
    seconds: (performance.now() - started) / 1000,
  }
}
