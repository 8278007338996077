import { createHash } from 'node:crypto'
import { DenseModel, maxAbsDiff, parseModelJson } from '@fcv/core'
import type { LayersModel, Tensor } from '@tensorflow/tfjs'
import { describe, expect, it } from 'vitest'
import { TrainParamsSchema } from '../params/schema.ts'
import { loadTensorFlow } from './backend.ts'
import { buildEnsemble, fuseEnsemble, memberSeeds, membersOf } from './ensemble.ts'
import { HEAD_LAYER, buildNetwork } from './network.ts'
import { refitTo, trainZiln, type Dataset } from './train-loop.ts'

// The seed ensemble: its members start and train as they would alone, and the fused Sequential model
// (what is saved and served) outputs the mean of their logits, in tfjs and in core's interpreter.

const { tf } = await loadTensorFlow({ backend: 'js' })

/** See 'trains one member exactly as the single network was trained before ensembles'. */
const SINGLE_NETWORK_DIGEST = 'a15cd942b6fa023b4f06209b0fbeaa56228114e08cc9bf4efea6118aeb4689a0'

const WIDTH = 7
const shape = (members: number, hidden: number[] = [6, 4]) => ({
  inputWidth: WIDTH,
  hidden,
  l2: 1e-4,
  seed: 11,
  members,
  headBias: [-0.4, 3.1, 0.2] as [number, number, number],
})

/** Rows of standard normal inputs, and ZILN-like labels (zero for 60%), from a fixed LCG. */
function data(rows: number, seed: number): Dataset {
  let s = seed
  const uniform = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) + 0.5) / 2 ** 31
  const normal = () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform())
  const x = Float32Array.from({ length: rows * WIDTH }, normal)
  const y = Float32Array.from({ length: rows }, (_, r) =>
    uniform() < 0.6 ? 0 : Math.exp(3 + 0.5 * (x[r * WIDTH] as number) + 0.8 * normal())
  )
  return { x, y, rows, width: WIDTH }
}

/** The model's output on rows x; a joint model of K members gets each row K times, side by side. */
function predict(model: LayersModel, x: Float32Array, members = 1): Float32Array {
  return tf.tidy(() => {
    const input = tf.tile(tf.tensor2d(x, [x.length / WIDTH, WIDTH]), [1, members])
    return (model.predict(input) as Tensor).dataSync() as Float32Array
  })
}

/** Columns 3m..3m+2 of a joint model's [rows, 3K] output. */
function member(out: Float32Array, members: number, m: number): Float32Array {
  const rows = out.length / (3 * members)
  const got = new Float32Array(rows * 3)
  for (let r = 0; r < rows; r++)
    got.set(out.subarray(r * 3 * members + 3 * m, r * 3 * members + 3 * m + 3), r * 3)
  return got
}

/** The mean over members of a joint model's logits, [rows, 3], in float64. */
function memberMean(out: Float32Array, members: number): Float64Array {
  const rows = out.length / (3 * members)
  const mean = new Float64Array(rows * 3)
  for (let r = 0; r < rows; r++)
    for (let m = 0; m < members; m++)
      for (let j = 0; j < 3; j++) mean[3 * r + j]! += out[r * 3 * members + 3 * m + j]! / members
  return mean
}

const params = (extra: Record<string, unknown> = {}) =>
  TrainParamsSchema.parse({
    batch_size: 64,
    max_epochs: 1,
    learning_rate: 0.01,
    seed: 11,
    ...extra,
  })

/** Weights moved away from their starting values, as after training: every one perturbed. */
function scramble(model: LayersModel, seed: number): void {
  const weights = model.getWeights()
  const moved = weights.map((w, i) => w.add(tf.randomNormal(w.shape, 0, 0.3, 'float32', seed + i)))
  model.setWeights(moved)
  for (const t of moved) t.dispose()
}

describe('memberSeeds', () => {
  it('gives member 0 the seed itself and the others seeds 1000 apart', () => {
    expect(memberSeeds(42, 1)).toEqual([42])
    expect(memberSeeds(42, 5)).toEqual([42, 1042, 2042, 3042, 4042])
    // ensembles of seeds 1..5 share no member
    const all = [1, 2, 3, 4, 5].flatMap((s) => memberSeeds(s, 5))
    expect(new Set(all).size).toBe(25)
  })
})

describe('buildEnsemble', () => {
  it("is network.ts's network itself with one member", () => {
    const one = buildEnsemble(tf, shape(1))
    const single = buildNetwork(tf, shape(1))
    expect(one.layers.map((l) => l.name)).toEqual(single.layers.map((l) => l.name))
    const [a, b] = [one.getWeights(), single.getWeights()]
    expect(a.map((w) => w.shape)).toEqual(b.map((w) => w.shape))
    a.forEach((w, i) => expect(w.dataSync()).toEqual(b[i]!.dataSync()))
    expect(fuseEnsemble(tf, one, shape(1))).toBe(one)
    one.dispose()
    single.dispose()
  })

  it('starts each member as network.ts starts the network of its seed', () => {
    const k = 3
    const joint = buildEnsemble(tf, shape(k, [6, 5, 4]))
    expect(membersOf(joint)).toBe(k)
    const { x } = data(50, 3)
    const out = predict(joint, x, k)
    memberSeeds(11, k).forEach((seed, m) => {
      const alone = buildNetwork(tf, { ...shape(1, [6, 5, 4]), seed })
      expect(maxAbsDiff(member(out, k, m), predict(alone, x))).toBeLessThan(1e-6)
      alone.dispose()
    })
    joint.dispose()
  })
})

describe('training the joint model', () => {
  it('trains each member as the network of its seed trains alone', async () => {
    const k = 2
    const train = data(400, 5)
    const valid = data(100, 6)
    const p = params()
    const joint = buildEnsemble(tf, shape(k))
    const result = await trainZiln(tf, joint, train, valid, p)
    expect(result.bestEpoch).toBe(1)
    const out = predict(joint, valid.x, k)
    for (const [m, seed] of memberSeeds(11, k).entries()) {
      const alone = buildNetwork(tf, { ...shape(1), seed })
      await trainZiln(tf, alone, train, valid, { ...p, seed })
      // the same arithmetic, in other kernels (a batched product, a summed loss): float32 rounding
      expect(maxAbsDiff(member(out, k, m), predict(alone, valid.x))).toBeLessThan(1e-5)
      alone.dispose()
    }
    joint.dispose()
  })

  it('trains one member exactly as the single network was trained before ensembles', async () => {
    // Early stopping, two learning-rate cuts and the refit, on weighted rows; the digest of the
    // weights (search, then refit) that the loop of commit 064fd08, before ensembles, gave on the
    // pure-JS backend.
    const weighted = (d: Dataset, seed: number): Dataset => {
      let s = seed
      const w = Float32Array.from({ length: d.rows }, () => {
        s = (s * 1103515245 + 12345) % 2 ** 31
        return 0.5 + (s + 0.5) / 2 ** 31
      })
      return { ...d, w }
    }
    const train = weighted(data(600, 5), 15)
    const valid = data(150, 6)
    const all = weighted(data(750, 7), 17)
    const p = params({ max_epochs: 12, patience: 3, lr_patience: 1 })
    const digest = createHash('sha256')
    const search = buildEnsemble(tf, shape(1))
    const result = await trainZiln(tf, search, train, valid, p)
    expect(result.epochs.map((e) => e.learningRate)).toEqual([
      0.01, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01, 0.005, 0.0025,
    ])
    expect(result.bestEpoch).toBe(7)
    const refit = buildEnsemble(tf, shape(1))
    await refitTo(tf, refit, all, result, p)
    for (const model of [search, refit]) {
      for (const w of model.getWeights()) digest.update(new Uint8Array(w.dataSync().buffer))
      model.dispose()
    }
    expect(digest.digest('hex')).toBe(SINGLE_NETWORK_DIGEST)
  })
})

describe('fuseEnsemble', () => {
  for (const hidden of [[6, 4], [6, 5, 4], [5]]) {
    it(`outputs the mean of the members' logits as a plain Dense chain (hidden ${hidden.join('-')})`, async () => {
      const k = 3
      const joint = buildEnsemble(tf, shape(k, hidden))
      scramble(joint, 100)
      const fused = fuseEnsemble(tf, joint, shape(k, hidden))
      expect(fused.layers.map((l) => [l.getClassName(), l.name])).toEqual([
        ...hidden.map((_, i) => ['Dense', `hidden_${i + 1}`]),
        ['Dense', HEAD_LAYER],
      ])
      expect(fused.outputs[0]!.shape).toEqual([null, 3])
      const { x } = data(500, 9)
      const want = memberMean(predict(joint, x, k), k)
      expect(maxAbsDiff(predict(fused, x), want)).toBeLessThan(1e-5)

      // blocks off the diagonal of the second layer on are zeros
      for (let layer = 1; layer < hidden.length; layer++) {
        const kernel = fused.layers[layer]!.getWeights()[0]!
        const [rows, cols] = kernel.shape as [number, number]
        const values = kernel.dataSync()
        const inUnits = rows / k
        const units = cols / k
        for (let i = 0; i < rows; i++)
          for (let j = 0; j < cols; j++)
            if (Math.floor(i / inUnits) !== Math.floor(j / units))
              expect(values[i * cols + j]).toBe(0)
      }

      // saved as tfjs saves it, core's interpreter scores it alike
      const { modelJson, weights } = await saved(fused)
      const dense = DenseModel.fromModelJson(parseModelJson(modelJson), weights)
      expect(dense.outputLayer).toBe(HEAD_LAYER)
      expect(maxAbsDiff(dense.forward(x, 500), want)).toBeLessThan(1e-5)
      joint.dispose()
      fused.dispose()
    })
  }
})

/** model.json and weights.bin bytes as saveModel writes them (without the fcv metadata). */
async function saved(model: LayersModel): Promise<{ modelJson: string; weights: Uint8Array }> {
  let out: { modelJson: string; weights: Uint8Array } | undefined
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      out = {
        modelJson: JSON.stringify({
          modelTopology: artifacts.modelTopology,
          format: artifacts.format,
          weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
        }),
        weights: new Uint8Array(tf.io.CompositeArrayBuffer.join(artifacts.weightData ?? [])),
      }
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) }
    })
  )
  return out!
}
