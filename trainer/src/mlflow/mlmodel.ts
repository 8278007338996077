import { randomUUID } from 'node:crypto'
import { stringify } from 'yaml'

export interface TfjsModelDescription {
  runId: string
  modelId: string
  /** The server's version (GET /version). */
  mlflowVersion: string
  /** model.json's `generatedBy`, e.g. "TensorFlow.js tfjs-layers v4.22.0". */
  generatedBy: string
  /** TensorFlow backend that trained it: tensorflow (native) or cpu (pure JS). */
  backend: string
  /** Columns of the encoded input tensor. */
  inputColumns: string[]
  /** Outputs per row. */
  outputWidth: number
  /** Anything else worth showing on the model page. */
  metadata: Record<string, unknown>
  created?: Date
}

/**
 * The MLmodel file of a TensorFlow.js layers model: a custom `tfjs` flavor (MLflow has none built
 * in; no python_function flavor, since Python cannot score it), the tensor signature, and metadata
 * the MLflow UI shows. Signature entries are JSON strings, as MLflow writes them.
 */
export function mlmodelYaml(d: TfjsModelDescription): string {
  const tensor = (width: number) =>
    JSON.stringify([{ type: 'tensor', 'tensor-spec': { dtype: 'float32', shape: [-1, width] } }])
  const created = (d.created ?? new Date()).toISOString().replace('T', ' ').replace('Z', '000')
  return stringify({
    artifact_path: 'model',
    flavors: {
      tfjs: {
        format: 'layers-model',
        model_json: 'model.json',
        weights: ['weights.bin'],
        tfjs_version: /v?(\d+\.\d+\.\d+)/.exec(d.generatedBy)?.[1] ?? 'unknown',
        generated_by: d.generatedBy,
        backend: d.backend,
      },
    },
    mlflow_version: d.mlflowVersion,
    model_id: d.modelId,
    model_uuid: randomUUID().replaceAll('-', ''),
    run_id: d.runId,
    utc_time_created: created,
    signature: {
      inputs: tensor(d.inputColumns.length),
      outputs: tensor(d.outputWidth),
      params: null,
    },
    metadata: { input_columns: d.inputColumns, ...d.metadata },
  })
}
