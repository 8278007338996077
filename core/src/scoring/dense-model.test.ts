import type { SymbolicTensor } from '@tensorflow/tfjs-layers'
import { describe, expect, it } from 'vitest'
import { DENSE_ACTIVATIONS, DenseModel } from './dense-model.ts'
import { ModelFormatError, UnsupportedModelError } from './errors.ts'
import { maxAbsDiff, predictionParity } from './parity.ts'
import { parseModelJson, type ModelJsonDocument } from './model-json.ts'
import {
  copyDoc,
  fusedEnsemble,
  randomInputs,
  saveModel,
  tfjsPredict,
  zilnNetwork,
} from './test-models.ts'
import { loadTfjs } from './tfjs-fallback.ts'

const interpret = (doc: ModelJsonDocument, weights: Uint8Array) =>
  DenseModel.fromModelJson(parseModelJson(JSON.stringify(doc)), weights)

describe('DenseModel', () => {
  it('matches tfjs on 1,000 random rows of the trainer architecture', async () => {
    const model = await zilnNetwork()
    const { doc, weights } = await saveModel(model)
    const dense = interpret(doc, weights)
    expect([dense.inputWidth, dense.outputWidth, dense.outputLayer]).toEqual([39, 3, 'ziln_head'])
    const x = randomInputs(1000, 39, 1)
    const expected = await tfjsPredict(model, x, 1000)
    const got = dense.forward(x, 1000)
    expect(got).toHaveLength(3000)
    expect(maxAbsDiff(got, expected)).toBeLessThan(1e-5)
    const parity = predictionParity(got, expected, 1000, { maxLogValue: 10, maxSigma: 1.5 })
    expect(parity.unexplained).toEqual({ expected: 0, pBuy: 0, p10: 0, p50: 0, p90: 0 })
    expect(parity.illConditioned).toBeLessThan(10)
    // the outputs vary, so the comparison means something
    expect(Math.max(...expected) - Math.min(...expected)).toBeGreaterThan(1)
    model.dispose()
  })

  it('gives every batch size the same rows, reusing its scratch', async () => {
    const model = await zilnNetwork({ seed: 3 })
    const { doc, weights } = await saveModel(model)
    const dense = interpret(doc, weights)
    const x = randomInputs(9, 39, 2)
    const all = Float64Array.from(dense.forward(x, 9))
    expect(maxAbsDiff(all, await tfjsPredict(model, x, 9))).toBeLessThan(1e-5)
    for (let rows = 0; rows <= 9; rows++) {
      expect(Array.from(dense.forward(x, rows))).toEqual(Array.from(all.subarray(0, rows * 3)))
    }
    expect(() => dense.forward(x, 10)).toThrow(RangeError)
    model.dispose()
  })

  it("skips a fused ensemble's zero blocks and zero inputs, giving the full sums' floats bit for bit", async () => {
    // 4 members of [8, 3] fused as the trainer fuses them: hidden_2 block-diagonal (blocks of 3
    // units, so some of denseRows' pairs of units straddle two members and sum over both spans)
    const model = await fusedEnsemble(4, 6, [8, 3])
    const { doc, weights } = await saveModel(model)
    const x = randomInputs(37, 6, 5)
    // zero inputs as encoded features have them: a one-hot tail (columns 3-5; none hot on every
    // fourth row), leading zeros on every fifth row, and one row of zeros only
    for (let r = 0; r < 37; r++) {
      for (let i = 3; i < 6; i++) x[r * 6 + i] = i === 3 + (r % 4) ? 1 : 0
      if (r % 5 === 0) x[r * 6] = x[r * 6 + 1] = 0
      if (r === 7) x.fill(0, r * 6, r * 6 + 6)
    }
    const got = interpret(doc, weights).forward(x, 37)
    // the interpreter before spans: every input of every unit, bias first, i ascending
    const layers = model.layers.map((l) => {
      const [w, b] = l.getWeights()
      return { w: w!.dataSync(), b: b!.dataSync(), units: w!.shape[1]!, relu: l.name !== 'head' }
    })
    const full: number[] = []
    for (let r = 0; r < 37; r++) {
      let a = Array.from(x.subarray(r * 6, (r + 1) * 6))
      for (const { w, b, units, relu } of layers) {
        a = Array.from({ length: units }, (_, j) => {
          let s = b[j]!
          for (let i = 0; i < a.length; i++) s += a[i]! * w[i * units + j]!
          return relu && !(s > 0) ? 0 : s
        })
      }
      full.push(...a)
    }
    expect(Array.from(got).every((v, i) => Object.is(v, full[i]))).toBe(true)
    expect(maxAbsDiff(got, await tfjsPredict(model, x, 37))).toBeLessThan(1e-5)
    model.dispose()
  })

  it.each(DENSE_ACTIVATIONS)('applies %s as tfjs does', async (activation) => {
    const { tfl } = await loadTfjs()
    const model = tfl.sequential({
      layers: [
        tfl.layers.dense({
          name: 'a',
          units: 16,
          activation: activation as 'relu',
          inputShape: [5],
        }),
        tfl.layers.dense({ name: 'b', units: 4, activation: activation as 'relu' }),
      ],
    })
    const { doc, weights } = await saveModel(model, undefined)
    const x = randomInputs(101, 5, 4)
    const got = interpret(doc, weights).forward(x, 101)
    expect(maxAbsDiff(got, await tfjsPredict(model, x, 101))).toBeLessThan(1e-5)
    model.dispose()
  })

  it('runs a functional chain with InputLayer, Dropout, Activation and a bias-free Dense', async () => {
    const { tfl } = await loadTfjs()
    const input = tfl.input({ shape: [6], name: 'features' })
    let h = tfl.layers.dense({ units: 8, name: 'd1', useBias: false }).apply(input)
    h = tfl.layers.activation({ activation: 'tanh', name: 'act' }).apply(h)
    h = tfl.layers.dropout({ rate: 0.5, name: 'drop' }).apply(h)
    const out = tfl.layers.dense({ units: 3, name: 'head', activation: 'softplus' }).apply(h)
    const model = tfl.model({ inputs: input, outputs: out as SymbolicTensor })
    const { doc, weights } = await saveModel(model, undefined)
    expect((doc.modelTopology as { class_name: string }).class_name).toBe('Model')
    const dense = interpret(doc, weights)
    expect(dense.layerNames).toEqual(['features', 'd1', 'act', 'drop', 'head'])
    const x = randomInputs(50, 6, 5)
    expect(maxAbsDiff(dense.forward(x, 50), await tfjsPredict(model, x, 50))).toBeLessThan(1e-5)
    model.dispose()
  })

  it('reads a manifest split into several groups and paths, in order', async () => {
    const model = await zilnNetwork({ seed: 5 })
    const { doc, weights } = await saveModel(model)
    const split = copyDoc(doc)
    const all = split.weightsManifest[0]!.weights
    split.weightsManifest = [
      { paths: ['group1-shard1of2.bin', 'group1-shard2of2.bin'], weights: all.slice(0, 3) },
      { paths: ['group2-shard1of1.bin'], weights: all.slice(3) },
    ]
    const x = randomInputs(20, 39, 6)
    expect(Array.from(interpret(split, weights).forward(x, 20))).toEqual(
      Array.from(interpret(doc, weights).forward(x, 20))
    )
    model.dispose()
  })

  it('leaves a layer or activation it does not run to tfjs, naming it', async () => {
    const model = await zilnNetwork({ extra: 'batchNormalization' })
    const { doc, weights } = await saveModel(model)
    const error = (() => {
      try {
        interpret(doc, weights)
      } catch (e) {
        return e
      }
    })()
    expect(error).toBeInstanceOf(UnsupportedModelError)
    expect((error as UnsupportedModelError).unsupported).toBe('layer BatchNormalization')
    expect((error as Error).message).toMatch(/"norm" is a BatchNormalization/)
    model.dispose()

    const plain = await zilnNetwork()
    const saved = await saveModel(plain)
    for (const activation of ['gelu', 'no_such_activation']) {
      const doc = copyDoc(saved.doc)
      const layers = (doc.modelTopology as { config: { layers: { config: object }[] } }).config
        .layers
      Object.assign(layers[1]!.config, { activation })
      expect(() => interpret(doc, saved.weights)).toThrow(
        expect.objectContaining({
          name: 'UnsupportedModelError',
          unsupported: `activation ${activation}`,
          message: expect.stringContaining(`"hidden_2" (Dense) has activation "${activation}"`),
        })
      )
    }
    const int32 = copyDoc(saved.doc)
    int32.weightsManifest[0]!.weights[0]!.dtype = 'int32'
    expect(() => interpret(int32, saved.weights)).toThrow(UnsupportedModelError)
    plain.dispose()
  })

  it('rejects weights that do not fit the manifest or the layers', async () => {
    const model = await zilnNetwork()
    const { doc, weights } = await saveModel(model)
    expect(() => interpret(doc, weights.subarray(4))).toThrow(
      new ModelFormatError(
        `weights.bin has ${weights.length - 4} bytes, the manifest describes ${weights.length}`
      )
    )
    const renamed = copyDoc(doc)
    renamed.weightsManifest[0]!.weights[0]!.name = 'other/kernel'
    expect(() => interpret(renamed, weights)).toThrow(
      /weights.bin has no weight "hidden_1\/kernel"/
    )
    const reshaped = copyDoc(doc)
    const [k1, b1] = reshaped.weightsManifest[0]!.weights
    k1!.shape = [64, 39]
    expect(() => interpret(reshaped, weights)).toThrow(/"hidden_1\/kernel" has shape \[64, 39\]/)
    b1!.name = 'hidden_1/bias_extra'
    expect(() => interpret(reshaped, weights)).toThrow(ModelFormatError)
    expect(() => parseModelJson('{"modelTopology": 1}')).toThrow(/no modelTopology object/)
    expect(() => parseModelJson('not json')).toThrow(ModelFormatError)
    expect(() => parseModelJson({ ...doc, format: 'graph-model' })).toThrow(/graph-model/)
    model.dispose()
  })
})
