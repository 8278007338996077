import type { SymbolicTensor } from '@tensorflow/tfjs-layers'
import { describe, expect, it } from 'vitest'
import { base64ToBytes } from '../bundle/encoding.ts'
import { DenseModel } from './dense-model.ts'
import { simdLayers } from './dense-simd.ts'
import kernelDataUrl from './dense-kernel.wasm?inline'
import { parseModelJson, type ModelJsonDocument } from './model-json.ts'
import { createScorer } from './scorer.ts'
import {
  AS_OF,
  fusedEnsemble,
  randomHistories,
  randomInputs,
  saveModel,
  zilnNetwork,
} from './test-models.ts'
import { loadTfjs } from './tfjs-fallback.ts'

const kernel = new WebAssembly.Module(
  base64ToBytes(kernelDataUrl.slice(kernelDataUrl.indexOf(',') + 1))
)

const interpret = (doc: ModelJsonDocument, weights: Uint8Array) =>
  DenseModel.fromModelJson(parseModelJson(JSON.stringify(doc)), weights)

/** Both engines on the same model: plain TypeScript and the kernel. */
async function pair(doc: ModelJsonDocument, weights: Uint8Array) {
  const js = interpret(doc, weights)
  const simd = interpret(doc, weights)
  await simd.useKernel(simdLayers(kernel))
  expect([js.kernel, simd.kernel]).toEqual(['js', 'wasm-simd'])
  return { js, simd }
}

const sameFloats = (a: ArrayLike<number>, b: ArrayLike<number>) =>
  a.length === b.length && Array.from(a).every((v, i) => Object.is(v, b[i]))

/** Rows as encoded features have them: a one-hot tail, leading zeros, a row of zeros only. */
function encodedRows(rows: number, width: number, seed: number): Float32Array {
  const x = randomInputs(rows, width, seed)
  for (let r = 0; r < rows; r++) {
    for (let i = width - 3; i < width; i++) x[r * width + i] = i === width - 3 + (r % 4) ? 1 : 0
    if (r % 5 === 0) x[r * width] = x[r * width + 1] = 0
    if (r % 11 === 7) x.fill(0, r * width, (r + 1) * width)
  }
  return x
}

describe('the dense kernel (dense-kernel.wasm)', () => {
  it("gives a fused ensemble's floats bit for bit, at every row count", async () => {
    // 4 members of [7, 3] fused as the trainer fuses them: hidden_2 block-diagonal with blocks of
    // 3 units (pairs straddle members), 7 and 3 units per member and a 3-unit head (odd counts)
    const model = await fusedEnsemble(4, 9, [7, 3])
    const { doc, weights } = await saveModel(model)
    const { js, simd } = await pair(doc, weights)
    const x = encodedRows(1001, 9, 3)
    // ReLU's edge cases, which the kernel applies itself: NaN (to 0) and -0 (to +0)
    x[13 * 9 + 4] = Number.NaN
    x.fill(-0, 14 * 9, 15 * 9)
    for (const rows of [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 37, 1001]) {
      const want = Float64Array.from(js.forward(x, rows))
      expect(sameFloats(simd.forward(x, rows), want), `${rows} rows`).toBe(true)
    }
    // and the outputs vary, so the comparison means something
    const out = Array.from(js.forward(x, 1001))
    expect(Math.max(...out) - Math.min(...out)).toBeGreaterThan(0.1)
    model.dispose()
  })

  it('runs input activations, bias-free layers and every head activation as the interpreter does', async () => {
    const { tfl } = await loadTfjs()
    const input = tfl.input({ shape: [6], name: 'features' })
    let h = tfl.layers.activation({ activation: 'tanh', name: 'pre' }).apply(input)
    h = tfl.layers.dense({ units: 9, name: 'd1', useBias: false, activation: 'elu' }).apply(h)
    h = tfl.layers.dropout({ rate: 0.5, name: 'drop' }).apply(h)
    h = tfl.layers.dense({ units: 5, name: 'd2', activation: 'selu' }).apply(h)
    const out = tfl.layers.dense({ units: 3, name: 'head', activation: 'softplus' }).apply(h)
    const model = tfl.model({ inputs: input, outputs: out as SymbolicTensor })
    const { doc, weights } = await saveModel(model, undefined)
    const { js, simd } = await pair(doc, weights)
    const x = encodedRows(203, 6, 8)
    expect(sameFloats(simd.forward(x, 203), Float64Array.from(js.forward(x, 203)))).toBe(true)
    model.dispose()
  })

  it('grows its memory for a larger batch and still answers a smaller one', async () => {
    const model = await zilnNetwork({ seed: 4 })
    const { doc, weights } = await saveModel(model)
    const { js, simd } = await pair(doc, weights)
    const x = encodedRows(5000, 39, 9)
    for (const rows of [3, 5000, 2, 4097]) {
      const want = Float64Array.from(js.forward(x, rows))
      expect(sameFloats(simd.forward(x, rows), want), `${rows} rows`).toBe(true)
    }
    expect(() => simd.forward(x, 5001)).toThrow(RangeError)
    model.dispose()
  })

  it('refuses a module that is not the kernel', async () => {
    const model = await zilnNetwork({ seed: 2 })
    const { doc, weights } = await saveModel(model)
    const empty = new WebAssembly.Module(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]))
    await expect(interpret(doc, weights).useKernel(simdLayers(empty))).rejects.toThrow(
      'denseKernel: not core dense-kernel.wasm'
    )
    await expect(
      createScorer({
        modelJson: JSON.stringify(doc),
        weights,
        version: '1',
        denseKernel: new Uint8Array(8) as unknown as WebAssembly.Module,
      })
    ).rejects.toThrow('createScorer: denseKernel must be a compiled WebAssembly.Module')
    model.dispose()
  })

  it("gives createScorer's predictions from raw histories bit for bit", async () => {
    const model = await zilnNetwork({ seed: 6 })
    const { doc, weights } = await saveModel(model)
    const input = { modelJson: JSON.stringify(doc), weights, version: '1' }
    const plain = await createScorer(input)
    const fast = await createScorer({ ...input, denseKernel: kernel })
    const items = randomHistories(300, 4)
      .filter((list) => list.some((t) => t.timestamp < AS_OF && t.amountMinor > 0))
      .map((transactions, c) => ({ customerId: `c${c}`, transactions }))
    const want = plain.scoreHistories(items, AS_OF)
    const got = fast.scoreHistories(items, AS_OF)
    expect(got.length).toBeGreaterThan(100)
    for (const [i, p] of got.entries()) {
      const q = want[i]!
      expect(
        [p.expected, p.pBuy, p.p10, p.p50, p.p90].every((v, k) =>
          Object.is(v, [q.expected, q.pBuy, q.p10, q.p50, q.p90][k])
        )
      ).toBe(true)
    }
    model.dispose()
  })
})
