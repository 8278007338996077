// DenseModel's layers through core's dense kernel (dense-kernel.wat, WebAssembly SIMD) instead of
// denseRows: the same floats, about 5x faster, where the runtime hands core the compiled kernel
// (the edge worker imports dense-kernel.wasm; Workers compile no WebAssembly at run time). The
// weights are laid out once per model in the instance's memory, each pair of units interleaved;
// rows live there too. The kernel applies ReLU itself; other activations run in JS on views of it.

import {
  RELU,
  type Apply,
  type DenseStep,
  type KernelFactory,
  type LayerKernel,
} from './dense-model.ts'

type DenseFn = (
  x: number,
  width: number,
  rows: number,
  w: number,
  spans: number,
  bias: number,
  units: number,
  out: number,
  relu: number
) => void

interface KernelLayer {
  step: DenseStep
  w: number
  spans: number
  bias: number
  /** The step's first activation is ReLU, which the kernel applies (1) before its stores. */
  relu: number
  /** The activations left to apply here. */
  after: readonly Apply[]
}

const PAGE = 65536
const align16 = (n: number) => Math.ceil(n / 16) * 16

/** DenseModel.useKernel's argument for a compiled dense-kernel.wasm. */
export const simdLayers =
  (kernel: WebAssembly.Module): KernelFactory =>
  (steps, inputWidth) =>
    SimdLayers.create(kernel, steps, inputWidth)

export class SimdLayers implements LayerKernel {
  private readonly memory: WebAssembly.Memory
  private readonly dense: DenseFn
  private readonly layers: KernelLayer[]
  private readonly inputWidth: number
  private readonly maxUnits: number
  /** Where the two row buffers start (after the weights), and how many rows they hold. */
  private readonly buffersAt: number
  private capacity = 0

  private constructor(
    instance: WebAssembly.Instance,
    steps: readonly DenseStep[],
    inputWidth: number
  ) {
    const { memory, dense } = instance.exports as Record<string, unknown>
    if (!(memory instanceof WebAssembly.Memory) || typeof dense !== 'function') {
      throw new TypeError('denseKernel: not core dense-kernel.wasm (no memory and dense exports)')
    }
    this.memory = memory
    this.dense = dense as DenseFn
    this.inputWidth = inputWidth
    this.maxUnits = Math.max(inputWidth, ...steps.map((s) => s.units))
    let top = 0
    const take = (bytes: number) => {
      const at = top
      top += align16(bytes)
      return at
    }
    this.layers = steps.map((step) => {
      const pairs = Math.ceil(step.units / 2)
      const relu = step.activations[0] === RELU
      return {
        step,
        w: take(pairs * step.inputs * 16),
        spans: take(pairs * 8),
        bias: take(pairs * 16),
        relu: relu ? 1 : 0,
        after: relu ? step.activations.slice(1) : step.activations,
      }
    })
    this.buffersAt = top
    this.grow(top)
    for (const layer of this.layers) this.writeLayer(layer)
  }

  /** The kernel instantiated for the steps of one model. */
  static async create(
    kernel: WebAssembly.Module,
    steps: readonly DenseStep[],
    inputWidth: number
  ): Promise<SimdLayers> {
    return new SimdLayers(await WebAssembly.instantiate(kernel), steps, inputWidth)
  }

  /** DenseModel.forward's result, computed by the kernel (a view of its memory: scratch). */
  forward(x: Float32Array, rows: number, inputActivations: readonly Apply[]): Float64Array {
    if (rows > this.capacity) {
      this.grow(this.buffersAt + 2 * rows * this.maxUnits * 8)
      this.capacity = rows
    }
    const buffer = this.memory.buffer
    const a = this.buffersAt
    const b = a + this.capacity * this.maxUnits * 8
    let input = a
    let width = this.inputWidth
    const first = new Float64Array(buffer, a, rows * width)
    first.set(x.subarray(0, first.length)) // float32 to float64: exact
    for (const apply of inputActivations) apply(first, 0, first.length)
    for (const { step, w, spans, bias, relu, after } of this.layers) {
      const out = input === a ? b : a
      this.dense(input, width, rows, w, spans, bias, step.units, out, relu)
      const view = new Float64Array(buffer, out, rows * step.units)
      for (const apply of after) apply(view, 0, view.length)
      input = out
      width = step.units
    }
    return new Float64Array(buffer, input, rows * width)
  }

  private grow(bytes: number): void {
    const pages = Math.ceil(bytes / PAGE) - this.memory.buffer.byteLength / PAGE
    if (pages > 0) this.memory.grow(pages)
  }

  /** A layer's weights as the kernel reads them: pairs of units interleaved, spans, biases. */
  private writeLayer({ step, w, spans, bias }: KernelLayer): void {
    const { inputs, units, kernelT: k } = step
    const pairs = Math.ceil(units / 2)
    const buffer = this.memory.buffer
    const kernel = new Float64Array(buffer, w, pairs * inputs * 2)
    const bounds = new Uint32Array(buffer, spans, pairs * 2)
    const biases = new Float64Array(buffer, bias, pairs * 2)
    for (let p = 0; p < pairs; p++) {
      const j = 2 * p
      const j2 = Math.min(j + 1, units - 1)
      for (let i = 0; i < inputs; i++) {
        kernel[2 * (p * inputs + i)] = k[j * inputs + i] as number
        kernel[2 * (p * inputs + i) + 1] = k[j2 * inputs + i] as number
      }
      bounds[2 * p] = Math.min(step.spans[2 * j] as number, step.spans[2 * j2] as number)
      bounds[2 * p + 1] = Math.max(
        step.spans[2 * j + 1] as number,
        step.spans[2 * j2 + 1] as number
      )
      biases[2 * p] = step.bias ? (step.bias[j] as number) : 0
      biases[2 * p + 1] = step.bias ? (step.bias[j2] as number) : 0
    }
  }
}
