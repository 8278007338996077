// The same forward pass through TensorFlow.js, for models the interpreter does not run (another layer
// class, activation or weight dtype). tfjs-core, tfjs-layers and the cpu backend are imported only
// here and only when a model needs them, so a Worker or widget that never meets such a model never
// evaluates (and, where the bundler splits dynamic imports, never downloads) them. The cpu backend
// everywhere: WebGL is absent in workerd and slower than cpu for a model this small in a browser.

import type * as TfCoreModule from '@tensorflow/tfjs-core'
import type * as TfLayersModule from '@tensorflow/tfjs-layers'
import { ModelFormatError } from './errors.ts'
import type { ForwardModel } from './dense-model.ts'
import { exactArrayBuffer, weightSpecsOf, type ModelJsonDocument } from './model-json.ts'

type TfCore = typeof TfCoreModule
type TfLayers = typeof TfLayersModule

/** A CommonJS build (Node) comes back from import() as `default`; an ES module build (bundlers) does not. */
function moduleOf<T extends object>(ns: T): T {
  return (ns as T & { default?: T }).default ?? ns
}

export interface Tfjs {
  tf: TfCore
  tfl: TfLayers
}

let loading: Promise<Tfjs> | undefined

/** tfjs-core and tfjs-layers on the cpu backend, loaded once per isolate (the tests use it too). */
export function loadTfjs(): Promise<Tfjs> {
  loading ??= (async () => {
    const tf = moduleOf(await import('@tensorflow/tfjs-core'))
    await import('@tensorflow/tfjs-backend-cpu') // registers the cpu backend
    const tfl = moduleOf(await import('@tensorflow/tfjs-layers'))
    if (!(await tf.setBackend('cpu'))) throw new Error('the tfjs cpu backend failed to initialise')
    // The cpu backend prints an "install tfjs-node" banner on its first tensor in Node; the choice
    // is deliberate. `firstUse` is the flag behind it (tfjs-backend-cpu 4.22).
    const cpu = tf.backend() as unknown as { firstUse?: boolean }
    if (typeof cpu.firstUse === 'boolean') cpu.firstUse = false
    return { tf, tfl }
  })()
  loading.catch(() => {
    loading = undefined // a failed load may be retried
  })
  return loading
}

/** Loads model.json and weights.bin into tfjs-layers; ModelFormatError naming tfjs's reason if it cannot. */
export async function loadTfjsModel(
  doc: ModelJsonDocument,
  weights: Uint8Array
): Promise<ForwardModel> {
  const { tf, tfl } = await loadTfjs()
  let model: Awaited<ReturnType<TfLayers['loadLayersModel']>>
  try {
    model = await tfl.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: doc.modelTopology as object,
        weightSpecs: weightSpecsOf(doc) as Parameters<typeof tf.io.fromMemory>[1] & object,
        weightData: exactArrayBuffer(weights),
        ...(doc.format === undefined ? {} : { format: doc.format }),
        ...(doc.generatedBy === undefined ? {} : { generatedBy: doc.generatedBy }),
      })
    )
  } catch (e) {
    const reason = (e instanceof Error ? e.message : String(e)).split('\n')[0]
    throw new ModelFormatError(`tfjs cannot load the model: ${reason}`, { cause: e })
  }
  const input = model.inputs[0]?.shape
  const output = model.outputs[0]?.shape
  if (model.inputs.length !== 1 || model.outputs.length !== 1 || !input || !output) {
    model.dispose()
    throw new ModelFormatError(
      `the model has ${model.inputs.length} inputs and ${model.outputs.length} outputs; scoring needs one of each`
    )
  }
  const inputWidth = input[1]
  const outputWidth = output[1]
  if (input.length !== 2 || output.length !== 2 || !inputWidth || !outputWidth) {
    model.dispose()
    throw new ModelFormatError(
      `the model maps [${input.join(', ')}] to [${output.join(', ')}]; scoring needs [batch, width] rows`
    )
  }
  const outputLayer = model.outputs[0]!.sourceLayer.name
  return {
    engine: 'tfjs',
    kernel: null,
    inputWidth,
    outputWidth,
    outputLayer,
    forward(x: Float32Array, rows: number): Float32Array {
      if (rows === 0) return new Float32Array(0)
      return tf.tidy(() => {
        const batch = tf.tensor2d(x.subarray(0, rows * inputWidth), [rows, inputWidth])
        const y = model.predict(batch)
        return (Array.isArray(y) ? y[0]! : (y as ReturnType<typeof tf.tensor2d>)).dataSync()
      }) as Float32Array
    },
    dispose() {
      model.dispose()
    },
  }
}
