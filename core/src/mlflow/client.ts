import type { MlflowConnection } from './config.ts'
import { MlflowConfigError, MlflowError } from './errors.ts'
import { send, type HttpRequest, type RetryNotice } from './http.ts'
import { chunkBatch, repairBatch, type Batch, type BatchRepairs, type KeyValue } from './limits.ts'

// Shapes as the server returns them (MLflow 3 REST API, mlflow/protos/service.proto and
// model_registry.proto). int64 fields may arrive as strings: read them through Number().

export interface Experiment {
  experiment_id: string
  name: string
  artifact_location: string
  lifecycle_stage: 'active' | 'deleted'
  tags?: KeyValue[]
}

export type RunStatus = 'RUNNING' | 'SCHEDULED' | 'FINISHED' | 'FAILED' | 'KILLED'

export interface RunInfo {
  run_id: string
  run_name: string
  experiment_id: string
  status: RunStatus
  start_time: number
  end_time?: number
  artifact_uri: string
  lifecycle_stage: string
}

export interface Run {
  info: RunInfo
  data: {
    params?: KeyValue[]
    tags?: KeyValue[]
    metrics?: { key: string; value: number; step: number }[]
  }
}

export interface LoggedModelInfo {
  model_id: string
  experiment_id: string
  name: string
  artifact_uri: string
  status: 'LOGGED_MODEL_PENDING' | 'LOGGED_MODEL_READY' | 'LOGGED_MODEL_UPLOAD_FAILED'
  source_run_id?: string
}

export interface RegisteredModel {
  name: string
  description?: string
  tags?: KeyValue[]
  aliases?: { alias: string; version: string }[]
}

export interface ModelVersion {
  name: string
  version: string
  source: string
  run_id?: string
  status: string
  tags?: KeyValue[]
  aliases?: string[]
}

export interface ArtifactFile {
  path: string
  is_dir: boolean
  file_size?: number
}

/** A dataset a run used (MLflow's dataset inputs): shown on the run page with its digest. */
export interface DatasetInput {
  name: string
  digest: string
  source_type: string
  /** JSON describing where it came from. */
  source: string
  schema?: string
  profile?: string
  /** `mlflow.data.context`: training, validation, test... */
  context: string
}

export interface ClientOptions {
  /** Called before each retry, e.g. to log it. */
  onRetry?: RetryNotice
}

const API = '/api/2.0/mlflow'
const ARTIFACTS = '/api/2.0/mlflow-artifacts/artifacts'

/**
 * A typed client for the MLflow tracking and registry REST API (no MLflow npm package is
 * maintained). Artifacts go through the server's artifact proxy (`mlflow server`, which serves
 * artifacts by default), so the client needs no storage credentials.
 */
export class MlflowClient {
  readonly connection: MlflowConnection
  private readonly options: ClientOptions
  constructor(connection: MlflowConnection, options: ClientOptions = {}) {
    this.connection = connection
    this.options = options
  }

  get trackingUri(): string {
    return this.connection.trackingUri
  }

  private async call<T>(req: HttpRequest): Promise<T> {
    const res = await send(this.connection, req, this.options.onRetry)
    const text = await res.text()
    if (text === '') return {} as T
    try {
      return JSON.parse(text) as T
    } catch {
      throw new MlflowError(
        `${req.method} ${req.path}`,
        `MLflow ${req.method} ${req.path} answered with something that is not JSON: ${text.slice(0, 200)}`,
        res.status
      )
    }
  }

  /** The server's MLflow version, e.g. `3.17.2`. */
  async version(): Promise<string> {
    const res = await send(
      this.connection,
      { method: 'GET', path: '/version' },
      this.options.onRetry
    )
    return (await res.text()).trim()
  }

  // ---- experiments

  async getExperimentByName(name: string): Promise<Experiment | null> {
    try {
      const r = await this.call<{ experiment: Experiment }>({
        method: 'GET',
        path: `${API}/experiments/get-by-name`,
        query: { experiment_name: name },
      })
      return r.experiment
    } catch (e) {
      if (e instanceof MlflowError && e.errorCode === 'RESOURCE_DOES_NOT_EXIST') return null
      throw e
    }
  }

  /** The active experiment of that name: created if missing, restored if deleted. */
  async getOrCreateExperiment(name: string, tags: KeyValue[] = []): Promise<Experiment> {
    const found = await this.getExperimentByName(name)
    if (found) {
      if (found.lifecycle_stage === 'active') return found
      await this.call({
        method: 'POST',
        path: `${API}/experiments/restore`,
        json: { experiment_id: found.experiment_id },
      })
      return { ...found, lifecycle_stage: 'active' }
    }
    try {
      await this.call<{ experiment_id: string }>({
        method: 'POST',
        path: `${API}/experiments/create`,
        json: { name, tags },
      })
    } catch (e) {
      // Another process created it between our lookup and our create.
      if (!(e instanceof MlflowError && e.errorCode === 'RESOURCE_ALREADY_EXISTS')) throw e
    }
    const created = await this.getExperimentByName(name)
    if (!created)
      throw new MlflowError('experiments/create', `experiment "${name}" vanished after creation`)
    return created
  }

  // ---- runs

  async createRun(experimentId: string, runName: string, tags: KeyValue[]): Promise<RunInfo> {
    const r = await this.call<{ run: Run }>({
      method: 'POST',
      path: `${API}/runs/create`,
      json: { experiment_id: experimentId, run_name: runName, start_time: Date.now(), tags },
    })
    return r.run.info
  }

  async getRun(runId: string): Promise<Run> {
    return (
      await this.call<{ run: Run }>({
        method: 'GET',
        path: `${API}/runs/get`,
        query: { run_id: runId },
      })
    ).run
  }

  /** Ends a run (or changes its status). */
  async updateRun(runId: string, status: RunStatus): Promise<void> {
    const ended = status === 'FINISHED' || status === 'FAILED' || status === 'KILLED'
    await this.call({
      method: 'POST',
      path: `${API}/runs/update`,
      json: { run_id: runId, status, ...(ended ? { end_time: Date.now() } : {}) },
    })
  }

  /**
   * Logs params, metrics and tags in as many requests as the server's limits need. Over-long
   * values are cut and non-finite metrics dropped; what was changed is returned, so the caller can
   * flag it. Params are write-once in MLflow: logging a different value for a key fails.
   */
  async logBatch(runId: string, batch: Batch): Promise<BatchRepairs> {
    const { batch: ok, repairs } = repairBatch(batch)
    for (const chunk of chunkBatch(ok)) {
      await this.call({
        method: 'POST',
        path: `${API}/runs/log-batch`,
        json: { run_id: runId, ...chunk },
      })
    }
    return repairs
  }

  async setTag(runId: string, key: string, value: string): Promise<void> {
    await this.logBatch(runId, { params: [], metrics: [], tags: [{ key, value }] })
  }

  async metricHistory(runId: string, key: string): Promise<{ value: number; step: number }[]> {
    const r = await this.call<{ metrics?: { value: number; step: number | string }[] }>({
      method: 'GET',
      path: `${API}/metrics/get-history`,
      query: { run_id: runId, metric_key: key },
    })
    return (r.metrics ?? []).map((m) => ({ value: m.value, step: Number(m.step) }))
  }

  async logInputs(runId: string, datasets: DatasetInput[]): Promise<void> {
    await this.call({
      method: 'POST',
      path: `${API}/runs/log-inputs`,
      json: {
        run_id: runId,
        datasets: datasets.map(({ context, ...dataset }) => ({
          tags: [{ key: 'mlflow.data.context', value: context }],
          dataset,
        })),
      },
    })
  }

  // ---- MLflow 3 logged models (the model a run produced, with its own artifact location)

  async createLoggedModel(
    experimentId: string,
    name: string,
    modelType: string,
    sourceRunId: string,
    tags: KeyValue[] = []
  ): Promise<LoggedModelInfo> {
    const r = await this.call<{ model: { info: LoggedModelInfo } }>({
      method: 'POST',
      path: `${API}/logged-models`,
      json: {
        experiment_id: experimentId,
        name,
        model_type: modelType,
        source_run_id: sourceRunId,
        tags,
      },
    })
    return r.model.info
  }

  async finalizeLoggedModel(modelId: string, ok: boolean): Promise<void> {
    await this.call({
      method: 'PATCH',
      path: `${API}/logged-models/${encodeURIComponent(modelId)}`,
      json: { model_id: modelId, status: ok ? 'LOGGED_MODEL_READY' : 'LOGGED_MODEL_UPLOAD_FAILED' },
    })
  }

  async getLoggedModel(modelId: string): Promise<LoggedModelInfo> {
    const r = await this.call<{ model: { info: LoggedModelInfo } }>({
      method: 'GET',
      path: `${API}/logged-models/${encodeURIComponent(modelId)}`,
    })
    return r.model.info
  }

  /** Records the model as the run's output (the run page links to it). */
  async logOutputs(runId: string, modelIds: string[]): Promise<void> {
    await this.call({
      method: 'POST',
      path: `${API}/runs/outputs`,
      json: { run_id: runId, models: modelIds.map((model_id) => ({ model_id, step: 0 })) },
    })
  }

  // ---- artifacts, through the server's proxy

  /** Uploads one file's bytes to `path` below an artifact root (a run's or a logged model's). */
  async uploadArtifact(artifactUri: string, path: string, bytes: Uint8Array): Promise<void> {
    await this.call({ method: 'PUT', path: `${ARTIFACTS}/${proxyPath(artifactUri, path)}`, bytes })
  }

  async downloadArtifact(artifactUri: string, path: string): Promise<Uint8Array> {
    const res = await send(
      this.connection,
      { method: 'GET', path: `${ARTIFACTS}/${proxyPath(artifactUri, path)}` },
      this.options.onRetry
    )
    return new Uint8Array(await res.arrayBuffer())
  }

  /** The entries directly under `path` (paths relative to the root, like MLflow's own listing). */
  async listArtifacts(artifactUri: string, path = ''): Promise<ArtifactFile[]> {
    const dir = proxyPath(artifactUri, path)
    const r = await this.call<{ files?: ArtifactFile[] }>({
      method: 'GET',
      path: ARTIFACTS,
      query: { path: decodeURIComponent(dir) },
    })
    const prefix = path.replace(/\/+$/, '')
    return (r.files ?? []).map((f) => ({ ...f, path: prefix ? `${prefix}/${f.path}` : f.path }))
  }

  // ---- registry

  async getRegisteredModel(name: string): Promise<RegisteredModel | null> {
    try {
      const r = await this.call<{ registered_model: RegisteredModel }>({
        method: 'GET',
        path: `${API}/registered-models/get`,
        query: { name },
      })
      return r.registered_model
    } catch (e) {
      if (e instanceof MlflowError && e.errorCode === 'RESOURCE_DOES_NOT_EXIST') return null
      throw e
    }
  }

  async getOrCreateRegisteredModel(name: string, description: string): Promise<RegisteredModel> {
    const found = await this.getRegisteredModel(name)
    if (found) return found
    try {
      const r = await this.call<{ registered_model: RegisteredModel }>({
        method: 'POST',
        path: `${API}/registered-models/create`,
        json: { name, description },
      })
      return r.registered_model
    } catch (e) {
      if (!(e instanceof MlflowError && e.errorCode === 'RESOURCE_ALREADY_EXISTS')) throw e
      return (await this.getRegisteredModel(name))!
    }
  }

  async createModelVersion(v: {
    name: string
    source: string
    runId: string
    modelId?: string
    tags?: KeyValue[]
    description?: string
  }): Promise<ModelVersion> {
    const r = await this.call<{ model_version: ModelVersion }>({
      method: 'POST',
      path: `${API}/model-versions/create`,
      json: {
        name: v.name,
        source: v.source,
        run_id: v.runId,
        ...(v.modelId ? { model_id: v.modelId } : {}),
        tags: v.tags ?? [],
        ...(v.description ? { description: v.description } : {}),
      },
    })
    return r.model_version
  }

  async getModelVersion(name: string, version: string): Promise<ModelVersion> {
    const r = await this.call<{ model_version: ModelVersion }>({
      method: 'GET',
      path: `${API}/model-versions/get`,
      query: { name, version },
    })
    return r.model_version
  }

  async deleteModelVersion(name: string, version: string): Promise<void> {
    await this.call({
      method: 'DELETE',
      path: `${API}/model-versions/delete`,
      json: { name, version },
    })
  }

  async searchModelVersions(filter: string): Promise<ModelVersion[]> {
    const out: ModelVersion[] = []
    let token: string | undefined
    do {
      const r = await this.call<{ model_versions?: ModelVersion[]; next_page_token?: string }>({
        method: 'GET',
        path: `${API}/model-versions/search`,
        query: { filter, max_results: 1000, page_token: token },
      })
      out.push(...(r.model_versions ?? []))
      token = r.next_page_token || undefined
    } while (token)
    return out
  }

  async setModelVersionTag(
    name: string,
    version: string,
    key: string,
    value: string
  ): Promise<void> {
    await this.call({
      method: 'POST',
      path: `${API}/model-versions/set-tag`,
      json: { name, version, key, value },
    })
  }

  async setAlias(name: string, alias: string, version: string): Promise<void> {
    await this.call({
      method: 'POST',
      path: `${API}/registered-models/alias`,
      json: { name, alias, version },
    })
  }

  async deleteAlias(name: string, alias: string): Promise<void> {
    await this.call({
      method: 'DELETE',
      path: `${API}/registered-models/alias`,
      json: { name, alias },
    })
  }

  /** The version an alias points at, or null when the alias is not set. */
  async getVersionByAlias(name: string, alias: string): Promise<ModelVersion | null> {
    try {
      const r = await this.call<{ model_version: ModelVersion }>({
        method: 'GET',
        path: `${API}/registered-models/alias`,
        query: { name, alias },
      })
      return r.model_version
    } catch (e) {
      // MLflow 3.17 answers an unset alias with 400 INVALID_PARAMETER_VALUE "... alias X not found."
      const unset =
        e instanceof MlflowError &&
        (e.errorCode === 'RESOURCE_DOES_NOT_EXIST' ||
          (e.errorCode === 'INVALID_PARAMETER_VALUE' && /alias .* not found/i.test(e.message)))
      if (unset) return null
      throw e
    }
  }
}

/**
 * The proxy path of `path` below an artifact root: `mlflow-artifacts:/1/abc/artifacts` (or with a
 * host, `mlflow-artifacts://host:port/1/abc/artifacts`) plus `model/MLmodel`. A root in any other
 * store (s3:, file:, a local path) cannot go through the proxy.
 */
export function proxyPath(artifactUri: string, path: string): string {
  if (!artifactUri.startsWith('mlflow-artifacts:')) {
    throw new MlflowConfigError(
      `artifact location "${artifactUri}" is not served by the tracking server's artifact proxy; ` +
        'start the server with --serve-artifacts (the default) and use an experiment created by it'
    )
  }
  const root = artifactUri.startsWith('mlflow-artifacts://')
    ? new URL(artifactUri).pathname
    : artifactUri.slice('mlflow-artifacts:'.length)
  const parts = [...root.split('/'), ...path.split('/')].filter((p) => p !== '')
  for (const p of parts) {
    if (p === '.' || p === '..')
      throw new MlflowConfigError(`artifact path "${path}" has a "${p}" segment`)
  }
  return parts.map(encodeURIComponent).join('/')
}
