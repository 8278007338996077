// A plain-TypeScript interpreter for the TensorFlow.js layers models the trainer writes (input ->
// Dense layers -> a Dense head): parsed once per bundle, then a forward pass over typed arrays with
// no allocation per row. Dropout is the identity at inference; an Activation layer applies in place.
// Anything else (BatchNormalization, Normalization, an activation not listed below, non-float32
// weights) throws UnsupportedModelError, and the scorer falls back to tfjs (tfjs-fallback.ts).
// edge-and-browser.md section 4: ~40x faster than tfjs at batch 1 and ~10x smaller.

import { ModelFormatError, UnsupportedModelError } from './errors.ts'
import { sliceWeights, type ModelJsonDocument } from './model-json.ts'
import { layerChain, type LayerDef } from './topology.ts'

/** What the scorer runs: the interpreter, or tfjs when the interpreter cannot. */
export interface ForwardModel {
  readonly engine: 'interpreter' | 'tfjs'
  /** How the interpreter computes its layers (DenseModel.kernel); null for tfjs. */
  readonly kernel: 'js' | 'wasm-simd' | null
  readonly inputWidth: number
  readonly outputWidth: number
  /** The name of the layer whose output the model returns. */
  readonly outputLayer: string
  /**
   * The outputs (rows x outputWidth, row-major) of `rows` rows of x (rows x inputWidth, row-major).
   * The result may be scratch the model reuses: read it before the next call.
   */
  forward(x: Float32Array, rows: number): ArrayLike<number>
  dispose(): void
}

export const DENSE_ACTIVATIONS = [
  'linear',
  'relu',
  'sigmoid',
  'tanh',
  'softplus',
  'elu',
  'selu',
] as const
export type DenseActivation = (typeof DENSE_ACTIVATIONS)[number]

// tfjs-layers' selu constants (activations.ts, from Klambauer et al. 2017).
const SELU_ALPHA = 1.6732632423543772
const SELU_SCALE = 1.0507009873554805

/** Applies an activation to buf[from, to) in place. */
export type Apply = (buf: Float64Array, from: number, to: number) => void

const APPLY: Record<DenseActivation, Apply | null> = {
  linear: null,
  relu: (b, from, to) => {
    for (let i = from; i < to; i++) if (!((b[i] as number) > 0)) b[i] = 0
  },
  sigmoid: (b, from, to) => {
    for (let i = from; i < to; i++) b[i] = 1 / (1 + Math.exp(-(b[i] as number)))
  },
  tanh: (b, from, to) => {
    for (let i = from; i < to; i++) b[i] = Math.tanh(b[i] as number)
  },
  softplus: (b, from, to) => {
    for (let i = from; i < to; i++) {
      const x = b[i] as number
      b[i] = x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x))
    }
  },
  elu: (b, from, to) => {
    for (let i = from; i < to; i++) {
      const x = b[i] as number
      if (x < 0) b[i] = Math.expm1(x)
    }
  },
  selu: (b, from, to) => {
    for (let i = from; i < to; i++) {
      const x = b[i] as number
      b[i] = SELU_SCALE * (x < 0 ? SELU_ALPHA * Math.expm1(x) : x)
    }
  },
}

/** denseRows' ReLU: the one activation dense-simd.ts asks the kernel to apply itself. */
export const RELU = APPLY.relu!

function activationOf(layer: LayerDef): DenseActivation {
  const a = layer.config['activation'] ?? 'linear'
  if (typeof a !== 'string' || !(DENSE_ACTIVATIONS as readonly string[]).includes(a)) {
    const shown = typeof a === 'string' ? a : JSON.stringify(a)
    throw new UnsupportedModelError(
      `activation ${shown}`,
      `layer "${layer.name}" (${layer.className}) has activation "${shown}"; the interpreter ` +
        `supports ${DENSE_ACTIVATIONS.join(', ')}`
    )
  }
  return a as DenseActivation
}

/** A [rows, cols] row-major matrix as [cols, rows], in float64. */
function transpose(m: Float32Array, rows: number): Float64Array {
  const cols = m.length / rows
  const t = new Float64Array(m.length)
  for (let i = 0; i < rows; i++)
    for (let j = 0; j < cols; j++) t[j * rows + i] = m[i * cols + j] as number
  return t
}

/** DenseModel's layers computed elsewhere (dense-simd.ts): the same floats as denseRows. */
export interface LayerKernel {
  forward(x: Float32Array, rows: number, inputActivations: readonly Apply[]): Float64Array
}
export type KernelFactory = (
  steps: readonly DenseStep[],
  inputWidth: number
) => Promise<LayerKernel>

export interface DenseStep {
  name: string
  inputs: number
  units: number
  /** The kernel transposed to [units, inputs] (Keras stores [inputs, units]), in float64. */
  kernelT: Float64Array
  /**
   * Per unit j, [spans[2j], spans[2j + 1]): the inputs from its first non-zero weight to its last.
   * A fused seed ensemble's later layers are block-diagonal (trainer/src/model/ensemble.ts), so a
   * unit reads one member's units and the sums skip the zero blocks. Adding x * 0 (x finite) leaves
   * a sum as it is, but for the sign of a sum that is exactly zero, which ReLU and every head
   * function read alike: the floats are those of the full sum.
   */
  spans: Uint32Array
  bias: Float64Array | null
  activations: Apply[]
}

/** Each unit's span of non-zero weights in a [units, inputs] transposed kernel (see DenseStep). */
function nonZeroSpans(kernelT: Float64Array, units: number): Uint32Array {
  const inputs = kernelT.length / units
  const spans = new Uint32Array(2 * units)
  for (let j = 0; j < units; j++) {
    const row = j * inputs
    let from = 0
    while (from < inputs && kernelT[row + from] === 0) from++
    let to = inputs
    while (to > from && kernelT[row + to - 1] === 0) to--
    spans[2 * j] = from
    spans[2 * j + 1] = to
  }
  return spans
}

/** sum_i x[xi + i] w[wi + i] + start over i in [from, to). */
function dot(
  x: Float64Array,
  xi: number,
  w: Float64Array,
  wi: number,
  from: number,
  to: number,
  start: number
) {
  let s = start
  for (let i = from; i < to; i++) s += (x[xi + i] as number) * (w[wi + i] as number)
  return s
}

/**
 * Writes to `bounds` [from, to) of the inputs that are non-zero in any of `count` rows from x[x0]
 * (rows of `width`); [0, 0) when all are zero. The one-hot country block of an encoded feature
 * vector is zero past its one hot column, so a block of rows often ends early; the sums skip those
 * x = 0 terms as they skip zero weights (see DenseStep: the same floats).
 */
function nonZeroInputs(
  x: Float64Array,
  x0: number,
  width: number,
  count: number,
  bounds: Uint32Array
): void {
  let lo = width
  let hi = 0
  for (let r = 0; r < count; r++) {
    const row = x0 + r * width
    let from = 0
    while (from < lo && x[row + from] === 0) from++
    lo = from
    let to = width
    while (to > hi && x[row + to - 1] === 0) to--
    hi = to
  }
  bounds[0] = lo < hi ? lo : 0
  bounds[1] = lo < hi ? hi : 0
}

/** nonZeroInputs' answer; one buffer, as the interpreter runs one forward pass at a time. */
const inputBounds = new Uint32Array(2)

/**
 * out[r, :] = activation(x[r, :] W + b) for rows r in [0, rows): dot products against the transposed
 * kernel, four rows at a time so each weight is loaded once per four rows (about 1.5x the speed of
 * one row at a time), and two units at a time (each input then loaded once per two units: another
 * 1.25x; a fused member's units share a span). Every sum still runs bias first, then i ascending over
 * the unit's span, cut to the inputs that are non-zero in these rows.
 */
function denseRows(
  x: Float64Array,
  width: number,
  step: DenseStep,
  out: Float64Array,
  rows: number
) {
  const { kernelT: k, spans, bias, units, activations } = step
  let r = 0
  for (; r + 4 <= rows; r += 4) {
    const x0 = r * width
    const x1 = x0 + width
    const x2 = x1 + width
    const x3 = x2 + width
    const o = r * units
    nonZeroInputs(x, x0, width, 4, inputBounds)
    const lo = inputBounds[0] as number
    const hi = inputBounds[1] as number
    // Units in pairs over the union of their spans: the other unit's zero weights there add x * 0,
    // which leaves its sum as it is. The last unit of an odd count pairs with itself.
    for (let j = 0; j < units; j += 2) {
      const pair = j + 1 < units
      const j2 = pair ? j + 1 : j
      const b = bias ? (bias[j] as number) : 0
      const c = bias ? (bias[j2] as number) : 0
      let s0 = b
      let s1 = b
      let s2 = b
      let s3 = b
      let t0 = c
      let t1 = c
      let t2 = c
      let t3 = c
      const w = j * width
      const v = j2 * width
      const from = Math.max(Math.min(spans[2 * j] as number, spans[2 * j2] as number), lo)
      const to = Math.min(Math.max(spans[2 * j + 1] as number, spans[2 * j2 + 1] as number), hi)
      for (let i = from; i < to; i++) {
        const kij = k[w + i] as number
        const kik = k[v + i] as number
        const a0 = x[x0 + i] as number
        const a1 = x[x1 + i] as number
        const a2 = x[x2 + i] as number
        const a3 = x[x3 + i] as number
        s0 += a0 * kij
        s1 += a1 * kij
        s2 += a2 * kij
        s3 += a3 * kij
        t0 += a0 * kik
        t1 += a1 * kik
        t2 += a2 * kik
        t3 += a3 * kik
      }
      out[o + j] = s0
      out[o + units + j] = s1
      out[o + 2 * units + j] = s2
      out[o + 3 * units + j] = s3
      if (!pair) continue
      out[o + j2] = t0
      out[o + units + j2] = t1
      out[o + 2 * units + j2] = t2
      out[o + 3 * units + j2] = t3
    }
    for (const apply of activations) apply(out, o, o + 4 * units)
  }
  for (; r < rows; r++) {
    const o = r * units
    nonZeroInputs(x, r * width, width, 1, inputBounds)
    const lo = inputBounds[0] as number
    const hi = inputBounds[1] as number
    for (let j = 0; j < units; j++) {
      const from = Math.max(spans[2 * j] as number, lo)
      const to = Math.min(spans[2 * j + 1] as number, hi)
      out[o + j] = dot(x, r * width, k, j * width, from, to, bias ? (bias[j] as number) : 0)
    }
    for (const apply of activations) apply(out, o, o + units)
  }
}

export class DenseModel implements ForwardModel {
  readonly engine = 'interpreter' as const
  readonly inputWidth: number
  readonly outputWidth: number
  readonly outputLayer: string
  /** The layer names, input to output, as parsed (InputLayer and Dropout included). */
  readonly layerNames: readonly string[]
  private readonly steps: DenseStep[]
  /** Pre-Dense activations (an Activation layer straight after the input). */
  private readonly inputActivations: Apply[]
  private readonly maxUnits: number
  private a = new Float64Array(0)
  private b = new Float64Array(0)
  /** The layers in core's WebAssembly SIMD kernel, once useKernel() has run. */
  private simd: LayerKernel | null = null

  private constructor(
    chain: LayerDef[],
    steps: DenseStep[],
    inputActivations: Apply[],
    inputWidth: number
  ) {
    this.layerNames = chain.map((l) => l.name)
    this.steps = steps
    this.inputActivations = inputActivations
    this.inputWidth = inputWidth
    this.outputWidth = steps.length > 0 ? steps[steps.length - 1]!.units : inputWidth
    this.outputLayer = chain[chain.length - 1]?.name ?? ''
    this.maxUnits = Math.max(inputWidth, ...steps.map((s) => s.units))
  }

  /** Parses model.json's topology and cuts weights.bin; throws UnsupportedModelError or ModelFormatError. */
  static fromModelJson(doc: ModelJsonDocument, weights: Uint8Array): DenseModel {
    const chain = layerChain(doc.modelTopology)
    // Unsupported layers first: a model the interpreter cannot run goes to tfjs whatever its weights.
    for (const layer of chain.layers) {
      if (!['InputLayer', 'Dense', 'Dropout', 'Activation'].includes(layer.className)) {
        throw new UnsupportedModelError(
          `layer ${layer.className}`,
          `layer "${layer.name}" is a ${layer.className}; the interpreter runs InputLayer, Dense, ` +
            'Dropout and Activation layers only'
        )
      }
      if (layer.className === 'Dense' || layer.className === 'Activation') activationOf(layer)
      const dtype = layer.config['dtype']
      if (dtype !== undefined && dtype !== null && dtype !== 'float32') {
        throw new UnsupportedModelError(
          `dtype ${String(dtype)}`,
          `layer "${layer.name}" computes in ${String(dtype)}; the interpreter computes float32 models`
        )
      }
    }
    const tensors = sliceWeights(doc, weights)
    const used = new Set<string>()
    const take = (name: string, shape: number[]): Float32Array => {
      const t = tensors.get(name)
      if (!t) throw new ModelFormatError(`weights.bin has no weight "${name}"`)
      if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
        throw new ModelFormatError(
          `weight "${name}" has shape [${t.shape.join(', ')}], the layer needs [${shape.join(', ')}]`
        )
      }
      used.add(name)
      return t.values
    }

    let width = chain.inputWidth
    const steps: DenseStep[] = []
    const inputActivations: Apply[] = []
    for (const layer of chain.layers) {
      if (layer.className === 'InputLayer' || layer.className === 'Dropout') continue
      const apply = APPLY[activationOf(layer)]
      if (layer.className === 'Activation') {
        if (apply)
          (steps.length > 0 ? steps[steps.length - 1]!.activations : inputActivations).push(apply)
        continue
      }
      const units = layer.config['units']
      if (!(Number.isInteger(units) && (units as number) > 0)) {
        throw new ModelFormatError(
          `model.json: Dense layer "${layer.name}" has ${String(units)} units`
        )
      }
      // The first Dense layer's kernel gives the input width when the topology does not.
      const inputs = width ?? tensors.get(`${layer.name}/kernel`)?.shape[0]
      if (inputs === undefined) {
        throw new ModelFormatError(`weights.bin has no weight "${layer.name}/kernel"`)
      }
      const useBias = layer.config['use_bias'] !== false
      const kernelT = transpose(take(`${layer.name}/kernel`, [inputs, units as number]), inputs)
      steps.push({
        name: layer.name,
        inputs,
        units: units as number,
        kernelT,
        spans: nonZeroSpans(kernelT, units as number),
        bias: useBias ? Float64Array.from(take(`${layer.name}/bias`, [units as number])) : null,
        activations: apply ? [apply] : [],
      })
      width = units as number
    }
    const unused = [...tensors.keys()].filter((n) => !used.has(n))
    if (unused.length > 0) {
      throw new ModelFormatError(`weights.bin has weights no layer uses: ${unused.join(', ')}`)
    }
    const inputWidth = chain.inputWidth ?? steps[0]?.inputs
    if (inputWidth === undefined)
      throw new ModelFormatError('model.json: the input width is unknown')
    return new DenseModel(chain.layers, steps, inputActivations, inputWidth)
  }

  /** 'wasm-simd' once useKernel() has run: the same floats as 'js'. */
  get kernel(): 'js' | 'wasm-simd' {
    return this.simd ? 'wasm-simd' : 'js'
  }

  /**
   * Computes the layers with core's dense kernel instead of denseRows: `make` is dense-simd.ts's
   * simdLayers(module), passed in so that a bundle without the kernel (the widget) leaves it out.
   */
  async useKernel(make: KernelFactory): Promise<void> {
    this.simd = await make(this.steps, this.inputWidth)
  }

  forward(x: Float32Array, rows: number): Float64Array {
    if (!(Number.isInteger(rows) && rows >= 0 && x.length >= rows * this.inputWidth)) {
      throw new RangeError(
        `forward: ${rows} rows need ${rows * this.inputWidth} inputs, got ${x.length}`
      )
    }
    if (this.simd) return this.simd.forward(x, rows, this.inputActivations)
    const size = rows * this.maxUnits
    if (this.a.length < size) {
      this.a = new Float64Array(size)
      this.b = new Float64Array(size)
    }
    // Every array the loops read is a Float64Array: one element kind keeps the loads monomorphic.
    let input = this.a
    let width = this.inputWidth
    const n = rows * width
    for (let i = 0; i < n; i++) input[i] = x[i] as number
    for (const apply of this.inputActivations) apply(input, 0, n)
    for (const step of this.steps) {
      const out = input === this.a ? this.b : this.a
      denseRows(input, width, step, out, rows)
      input = out
      width = step.units
    }
    return input.subarray(0, rows * width)
  }

  dispose(): void {
    this.a = new Float64Array(0)
    this.b = new Float64Array(0)
    this.simd = null
  }
}
