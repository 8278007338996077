// model.json (TensorFlow.js layers format) as the scoring engines read it: the document's shape
// checked once, and weights.bin cut into one float32 array per manifest entry. The manifest's groups
// and paths are concatenated in order into the bundle's single weights.bin (as tfjs concatenates
// shards), so entry k starts where entry k - 1 ends.

import { isRecord } from '../is-record.ts'
import { ModelFormatError, UnsupportedModelError } from './errors.ts'

export interface WeightSpec {
  name: string
  shape: number[]
  dtype: string
  quantization?: unknown
}

export interface WeightsGroup {
  paths: string[]
  weights: WeightSpec[]
}

export interface ModelJsonDocument {
  modelTopology: unknown
  format?: string
  generatedBy?: string
  convertedBy?: string | null
  weightsManifest: WeightsGroup[]
  userDefinedMetadata?: Record<string, unknown>
}

/** model.json from its bytes, text or parsed value, with its top-level shape checked. */
export function parseModelJson(input: Uint8Array | string | object): ModelJsonDocument {
  let doc: unknown = input
  if (typeof input === 'string' || input instanceof Uint8Array) {
    const text = typeof input === 'string' ? input : new TextDecoder().decode(input)
    try {
      doc = JSON.parse(text)
    } catch (e) {
      throw new ModelFormatError(`model.json is not JSON (${(e as Error).message})`, { cause: e })
    }
  }
  if (!isRecord(doc)) throw new ModelFormatError('model.json is not a JSON object')
  if (doc['format'] !== undefined && doc['format'] !== 'layers-model') {
    throw new ModelFormatError(
      `model.json has format "${String(doc['format'])}"; only TensorFlow.js layers models are scored`
    )
  }
  if (!isRecord(doc['modelTopology'])) {
    throw new ModelFormatError('model.json has no modelTopology object')
  }
  const manifest = doc['weightsManifest']
  if (!Array.isArray(manifest)) throw new ModelFormatError('model.json has no weightsManifest')
  manifest.forEach((group: unknown, g) => {
    if (!isRecord(group) || !Array.isArray(group['weights'])) {
      throw new ModelFormatError(`model.json: weightsManifest[${g}] has no weights list`)
    }
    group['weights'].forEach((w: unknown, k) => {
      const shape = isRecord(w) ? w['shape'] : undefined
      if (
        !isRecord(w) ||
        typeof w['name'] !== 'string' ||
        typeof w['dtype'] !== 'string' ||
        !Array.isArray(shape) ||
        !shape.every((d) => Number.isInteger(d) && (d as number) >= 0)
      ) {
        throw new ModelFormatError(
          `model.json: weightsManifest[${g}].weights[${k}] needs a name, a dtype and a shape`
        )
      }
    })
  })
  return doc as unknown as ModelJsonDocument
}

/** Every weight entry, in the order of the bytes in weights.bin. */
export function weightSpecsOf(doc: ModelJsonDocument): WeightSpec[] {
  return doc.weightsManifest.flatMap((g) => g.weights)
}

/** A copy of the bytes in an ArrayBuffer of their own (a view may sit in a larger pooled buffer). */
export function exactArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  const copy = new ArrayBuffer(bytes.byteLength)
  new Uint8Array(copy).set(bytes)
  return copy
}

export interface WeightTensor {
  shape: readonly number[]
  values: Float32Array
}

/**
 * weights.bin as one Float32Array per manifest entry, by name (copied once, so the arrays are
 * aligned and the caller's buffer may be reused). Throws UnsupportedModelError for a dtype other than
 * float32 or quantized weights, ModelFormatError when the sizes do not add up.
 */
export function sliceWeights(
  doc: ModelJsonDocument,
  weights: Uint8Array
): Map<string, WeightTensor> {
  const specs = weightSpecsOf(doc)
  let bytes = 0
  for (const w of specs) {
    if (w.dtype !== 'float32') {
      throw new UnsupportedModelError(
        `dtype ${w.dtype}`,
        `weight "${w.name}" has dtype ${w.dtype}; the interpreter reads float32 weights only`
      )
    }
    if (w.quantization !== undefined && w.quantization !== null) {
      throw new UnsupportedModelError(
        'quantized weights',
        `weight "${w.name}" is quantized; the interpreter reads float32 weights only`
      )
    }
    bytes += 4 * w.shape.reduce((a, b) => a * b, 1)
  }
  if (bytes !== weights.byteLength) {
    throw new ModelFormatError(
      `weights.bin has ${weights.byteLength} bytes, the manifest describes ${bytes}`
    )
  }
  const all = new Float32Array(exactArrayBuffer(weights))
  const out = new Map<string, WeightTensor>()
  let at = 0
  for (const w of specs) {
    const n = w.shape.reduce((a, b) => a * b, 1)
    if (out.has(w.name)) throw new ModelFormatError(`weight "${w.name}" appears twice`)
    out.set(w.name, { shape: w.shape, values: all.subarray(at, at + n) })
    at += n
  }
  return out
}
