import { MlflowConfigError } from './errors.ts'

/**
 * The tracking server's limits (mlflow/utils/validation.py, MLflow 3.17): a log-batch request holds
 * at most 100 params, 100 tags, 1000 metrics and 1000 entities in all, in under 1 MB; keys are at
 * most 250 characters; param values 6000, tag values 8000.
 */
export const LIMITS = {
  keyLength: 250,
  paramValueLength: 6000,
  tagValueLength: 8000,
  paramsPerBatch: 100,
  tagsPerBatch: 100,
  metricsPerBatch: 1000,
  entitiesPerBatch: 1000,
  /** Below the server's 1e6 bytes, leaving room for the envelope. */
  batchBytes: 900_000,
} as const

export interface KeyValue {
  key: string
  value: string
}

export interface Metric {
  key: string
  value: number
  /** Milliseconds since the epoch. */
  timestamp: number
  step: number
  /** MLflow 3: attaches the metric to a LoggedModel as well as the run. */
  model_id?: string
}

export interface Batch {
  params: KeyValue[]
  metrics: Metric[]
  tags: KeyValue[]
}

/** What was changed to fit the server, so the caller can say so. */
export interface BatchRepairs {
  /** Params whose value was cut to the server's limit. */
  truncatedParams: string[]
  /** Tags whose value was cut to the server's limit. */
  truncatedTags: string[]
  /** NaN or infinite metrics (JSON cannot carry them and MLflow plots them as gaps): not sent. */
  droppedMetrics: Metric[]
}

/** Letters, digits, `_ - . / :` and spaces, as MLflow accepts in metric, param and tag keys. */
const KEY = /^[\w\-./: ]+$/

export function checkKey(kind: string, key: string): void {
  if (!KEY.test(key) || key.length > LIMITS.keyLength) {
    throw new MlflowConfigError(
      `${kind} key "${key.slice(0, 300)}" is not a valid MLflow key ` +
        `(1 to ${LIMITS.keyLength} letters, digits, spaces and _ - . / :)`
    )
  }
}

/** Cuts to `limit` code points (the server counts Python characters, not UTF-16 units). */
export function truncate(value: string, limit: number): string | null {
  if (value.length <= limit) return null
  const points = Array.from(value)
  return points.length <= limit ? null : points.slice(0, limit).join('')
}

/**
 * Makes a batch acceptable to the server: checks every key, cuts over-long values and drops
 * non-finite metrics, reporting each change.
 */
export function repairBatch(batch: Batch): { batch: Batch; repairs: BatchRepairs } {
  const repairs: BatchRepairs = { truncatedParams: [], truncatedTags: [], droppedMetrics: [] }
  const cut = (kind: 'param' | 'tag', kv: KeyValue): KeyValue => {
    checkKey(kind, kv.key)
    const limit = kind === 'param' ? LIMITS.paramValueLength : LIMITS.tagValueLength
    const short = truncate(kv.value, limit)
    if (short === null) return kv
    ;(kind === 'param' ? repairs.truncatedParams : repairs.truncatedTags).push(kv.key)
    return { key: kv.key, value: short }
  }
  const params = batch.params.map((p) => cut('param', p))
  const tags = batch.tags.map((t) => cut('tag', t))
  const metrics: Metric[] = []
  for (const m of batch.metrics) {
    checkKey('metric', m.key)
    if (Number.isFinite(m.value)) metrics.push(m)
    else repairs.droppedMetrics.push(m)
  }
  return { batch: { params, metrics, tags }, repairs }
}

/** Splits a batch into requests that each respect the per-request limits, in order. */
export function chunkBatch(batch: Batch): Batch[] {
  const chunks: Batch[] = []
  let cur: Batch = { params: [], metrics: [], tags: [] }
  let bytes = 0
  const flush = () => {
    if (cur.params.length + cur.metrics.length + cur.tags.length > 0) chunks.push(cur)
    cur = { params: [], metrics: [], tags: [] }
    bytes = 0
  }
  const add = <K extends keyof Batch>(kind: K, item: Batch[K][number], cap: number) => {
    const size = new TextEncoder().encode(JSON.stringify(item)).length + 1
    const total = cur.params.length + cur.metrics.length + cur.tags.length
    if (
      cur[kind].length >= cap ||
      total >= LIMITS.entitiesPerBatch ||
      bytes + size > LIMITS.batchBytes
    ) {
      flush()
    }
    ;(cur[kind] as Batch[K][number][]).push(item)
    bytes += size
  }
  for (const p of batch.params) add('params', p, LIMITS.paramsPerBatch)
  for (const t of batch.tags) add('tags', t, LIMITS.tagsPerBatch)
  for (const m of batch.metrics) add('metrics', m, LIMITS.metricsPerBatch)
  flush()
  return chunks
}
