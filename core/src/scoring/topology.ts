// The layer chain of a layers-model topology: a Sequential model's layers, or a Functional model
// ("Model"/"Functional") that is a single chain from one InputLayer to one output. Branching graphs,
// shared layers and several inputs or outputs are left to tfjs (UnsupportedModelError).

import { isRecord } from '../is-record.ts'
import { ModelFormatError, UnsupportedModelError } from './errors.ts'

export interface LayerDef {
  className: string
  name: string
  config: Record<string, unknown>
}

export interface LayerChain {
  layers: LayerDef[]
  /** From an InputLayer or the first layer's batch_input_shape, when the topology states it. */
  inputWidth: number | undefined
}

function layerDef(raw: unknown, where: string): LayerDef {
  if (!isRecord(raw) || typeof raw['class_name'] !== 'string' || !isRecord(raw['config'])) {
    throw new ModelFormatError(`model.json: ${where} is not a layer (class_name and config)`)
  }
  const config = raw['config']
  const name = typeof raw['name'] === 'string' ? raw['name'] : config['name']
  if (typeof name !== 'string' || name === '') {
    throw new ModelFormatError(`model.json: ${where} (${raw['class_name']}) has no name`)
  }
  return { className: raw['class_name'], name, config }
}

/** The width of a [batch, width] input shape; undefined when the layer states none. */
function stateInputWidth(layer: LayerDef): number | undefined {
  const shape = layer.config['batch_input_shape'] ?? layer.config['batch_shape']
  if (shape === undefined || shape === null) return undefined
  if (!Array.isArray(shape) || shape.length !== 2) {
    throw new UnsupportedModelError(
      `input shape ${JSON.stringify(shape)}`,
      `layer "${layer.name}" takes input of shape ${JSON.stringify(shape)}; the interpreter ` +
        'scores rows of one flat vector ([batch, width])'
    )
  }
  const width = shape[1]
  if (!(Number.isInteger(width) && (width as number) > 0)) {
    throw new ModelFormatError(`model.json: layer "${layer.name}" has input width ${String(width)}`)
  }
  return width as number
}

function sequentialChain(config: unknown): LayerChain {
  const raw = Array.isArray(config) ? config : isRecord(config) ? config['layers'] : undefined
  if (!Array.isArray(raw))
    throw new ModelFormatError('model.json: a Sequential model without layers')
  const layers = raw.map((l, i) => layerDef(l, `layer ${i}`))
  return { layers, inputWidth: layers[0] ? stateInputWidth(layers[0]) : undefined }
}

/** [layer name, node index, tensor index] of a Functional model's inbound or output entry. */
function tensorRef(entry: unknown, where: string): string {
  if (!Array.isArray(entry) || typeof entry[0] !== 'string') {
    throw new UnsupportedModelError(
      'graph format',
      `model.json: ${where} is not a [layer, node, tensor] reference; the interpreter reads ` +
        'tfjs-layers (Keras 2) functional graphs only'
    )
  }
  if (entry[1] !== 0 || entry[2] !== 0) {
    throw new UnsupportedModelError(
      'shared layers',
      `model.json: ${where} refers to node ${String(entry[1])} tensor ${String(entry[2])} of ` +
        `"${entry[0]}"; the interpreter runs single-use, single-output layers only`
    )
  }
  return entry[0]
}

function functionalChain(config: unknown): LayerChain {
  if (!isRecord(config) || !Array.isArray(config['layers'])) {
    throw new ModelFormatError('model.json: a functional model without layers')
  }
  const byName = new Map<string, { layer: LayerDef; inbound: unknown }>()
  config['layers'].forEach((raw: unknown, i) => {
    const layer = layerDef(raw, `layer ${i}`)
    byName.set(layer.name, { layer, inbound: (raw as Record<string, unknown>)['inbound_nodes'] })
  })
  const inputs = config['input_layers']
  const outputs = config['output_layers']
  if (!Array.isArray(inputs) || !Array.isArray(outputs)) {
    throw new ModelFormatError('model.json: a functional model without input_layers/output_layers')
  }
  if (inputs.length !== 1 || outputs.length !== 1) {
    throw new UnsupportedModelError(
      'several inputs or outputs',
      `model.json: the model has ${inputs.length} inputs and ${outputs.length} outputs; the ` +
        'interpreter runs one input and one output'
    )
  }
  const inputName = tensorRef(inputs[0], 'input_layers[0]')
  const chain: LayerDef[] = []
  let name = tensorRef(outputs[0], 'output_layers[0]')
  for (;;) {
    const node = byName.get(name)
    if (!node) throw new ModelFormatError(`model.json: no layer named "${name}"`)
    chain.push(node.layer)
    if (chain.length > byName.size) throw new ModelFormatError('model.json: the graph has a cycle')
    if (name === inputName) break
    const inbound = node.inbound
    if (!Array.isArray(inbound) || inbound.length !== 1 || !Array.isArray(inbound[0])) {
      throw new UnsupportedModelError(
        'shared layers',
        `model.json: layer "${name}" is called ${Array.isArray(inbound) ? inbound.length : 0} ` +
          'times; the interpreter runs a chain of layers each called once'
      )
    }
    if (inbound[0].length !== 1) {
      throw new UnsupportedModelError(
        `layer ${node.layer.className} with ${inbound[0].length} inputs`,
        `model.json: layer "${name}" (${node.layer.className}) takes ${inbound[0].length} ` +
          'inputs; the interpreter runs a single chain of layers'
      )
    }
    name = tensorRef(inbound[0][0], `the input of layer "${name}"`)
  }
  chain.reverse()
  if (chain.length !== byName.size) {
    throw new UnsupportedModelError(
      'layers off the chain',
      'model.json: some layers are not on the path from the input to the output'
    )
  }
  const first = chain[0]!
  if (first.className !== 'InputLayer') {
    throw new ModelFormatError(
      `model.json: the input layer "${first.name}" is a ${first.className}`
    )
  }
  return { layers: chain, inputWidth: stateInputWidth(first) }
}

/** The chain of layers of model.json's modelTopology (Keras JSON, optionally under model_config). */
export function layerChain(modelTopology: unknown): LayerChain {
  let topology = modelTopology
  if (isRecord(topology) && isRecord(topology['model_config'])) topology = topology['model_config']
  if (!isRecord(topology) || typeof topology['class_name'] !== 'string') {
    throw new ModelFormatError('model.json: modelTopology has no class_name')
  }
  const cls = topology['class_name']
  if (cls === 'Sequential') return sequentialChain(topology['config'])
  if (cls === 'Model' || cls === 'Functional') return functionalChain(topology['config'])
  throw new UnsupportedModelError(
    `model class ${cls}`,
    `model.json: a ${cls} model is not a layers model the interpreter runs`
  )
}
