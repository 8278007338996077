// `fcv register`: one MLflow run per pipeline execution, holding the params, every evaluation
// metric, the training curve, the model (an MLflow 3 LoggedModel with an MLmodel file for a tfjs
// flavor), the reports and plots; then a version of the registered model with its key metrics as
// tags and the alias the control plane promotes from. All or nothing: if any step fails, the run is
// marked FAILED, the LoggedModel UPLOAD_FAILED, a version already created is deleted, and the
// previous registration record is left as it was.

import { BTYD_NAME, MODEL_NAME } from '../evaluate/index.ts'
import {
  calibratedWindowTags,
  type MlflowClient,
  type ModelVersion,
  MlflowConfigError,
  type KeyValue,
} from '@fcv/core'
import { mlmodelYaml } from '../mlflow/mlmodel.ts'
import type { Params } from '../params/schema.ts'
import { announceCandidate, type Announcement } from './announce.ts'
import { readLocalInputs, uploadBytes, writeRecord } from './inputs.ts'
import { currentUser, gitState } from './provenance.ts'
import { flattenParams, noteContent, runMetrics, versionTags } from './run-content.ts'
import { trackingClient } from './tracking.ts'

export interface RegisterOptions {
  log?: (line: string) => void
  /** A client to use instead of MLFLOW_TRACKING_URI or the embedded server (tests). */
  client?: MlflowClient
  env?: Record<string, string | undefined>
  /** mlflow.source.name: the command that ran the pipeline. */
  source?: string
}

export type Registration =
  | {
      status: 'registered'
      tracking_uri: string
      experiment_id: string
      experiment: string
      run_id: string
      run_name: string
      run_url: string
      model_id: string
      model_name: string
      version: string
      alias: string
      model_url: string
      registered_at: string
      /** Whether the control plane (FCV_CONTROL_PLANE_URL) was told about the candidate. */
      announced?: Announcement
    }
  | { status: 'skipped'; reason: string }

export async function runRegister(
  params: Params,
  opts: RegisterOptions = {}
): Promise<Registration> {
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`))
  const p = params.register
  if (!p.enabled) {
    const skipped: Registration = {
      status: 'skipped',
      reason: 'registration is off (register.enabled: false)',
    }
    await writeRecord(p.out_file, skipped)
    log('register: skipped, registration is off')
    return skipped
  }

  // Everything local is read and checked before the first call, so a missing file costs no run.
  const local = await readLocalInputs(params)
  const client = opts.client ?? (await trackingClient(params, opts.env ?? process.env, log))
  const uri = client.trackingUri
  const mlflowVersion = await client.version()
  log(`register: MLflow ${mlflowVersion} at ${uri}`)
  if (!(Number(/^(\d+)\./.exec(mlflowVersion)?.[1]) >= 3)) {
    throw new MlflowConfigError(
      `the MLflow server at ${uri} runs version "${mlflowVersion}"; fcv registers into MLflow 3 or newer ` +
        '(the model is an MLflow 3 logged model)'
    )
  }
  const experiment = await client.getOrCreateExperiment(p.experiment)
  const now = Date.now()
  const runName = `${MODEL_NAME}-${local.report.test_cutoff}-${new Date(now).toISOString().slice(0, 16).replace(/[-:]/g, '')}`
  const git = gitState()
  const facts: KeyValue[] = [
    { key: 'fcv.feature_spec.version', value: local.meta.featureSpec.version },
    { key: 'fcv.backend', value: local.meta.backend },
    { key: 'fcv.data.md5', value: local.dataMd5 },
    { key: 'fcv.data.path', value: params.data.path },
    { key: 'fcv.test_cutoff', value: local.report.test_cutoff },
    { key: 'fcv.horizon_days', value: String(local.report.horizon_days) },
    { key: 'fcv.currency', value: local.report.currency },
    // The days the model is calibrated for: the control plane's gates refuse it once they end.
    ...(local.meta.calibratedWindow ? calibratedWindowTags(local.meta.calibratedWindow) : []),
    ...(git
      ? [
          { key: 'fcv.git.commit', value: git.commit },
          { key: 'fcv.git.dirty', value: String(git.dirty) },
        ]
      : []),
  ]
  const run = await client.createRun(experiment.experiment_id, runName, [
    { key: 'mlflow.runName', value: runName },
    { key: 'mlflow.user', value: currentUser() },
    { key: 'mlflow.source.name', value: opts.source ?? 'fcv register' },
    { key: 'mlflow.source.type', value: (opts.env ?? process.env)['CI'] ? 'JOB' : 'LOCAL' },
    ...(git
      ? [
          { key: 'mlflow.source.git.commit', value: git.commit },
          ...(git.branch ? [{ key: 'mlflow.source.git.branch', value: git.branch }] : []),
          ...(git.repoUrl ? [{ key: 'mlflow.source.git.repoURL', value: git.repoUrl }] : []),
        ]
      : []),
  ])
  const runUrl = `${uri}/#/experiments/${experiment.experiment_id}/runs/${run.run_id}`
  log(`register: run ${run.run_name} (${run.run_id})`)

  const done: { modelId: string | null; version: ModelVersion | null } = {
    modelId: null,
    version: null,
  }
  let registration: Registration
  try {
    const model = await client.createLoggedModel(
      experiment.experiment_id,
      'model',
      'tfjs-layers',
      run.run_id
    )
    const modelId = model.model_id
    done.modelId = modelId
    const repairs = await client.logBatch(run.run_id, {
      params: flattenParams(params),
      metrics: runMetrics(local.report, local.training, MODEL_NAME, modelId, now),
      tags: [
        ...facts,
        { key: 'mlflow.note.content', value: noteContent(local.report, MODEL_NAME) },
      ],
    })
    const flags: KeyValue[] = []
    if (repairs.truncatedParams.length) {
      log(
        `register: warning: cut to MLflow's length limit: params ${repairs.truncatedParams.join(', ')}`
      )
      flags.push({ key: 'fcv.params.truncated', value: repairs.truncatedParams.join(',') })
    }
    if (repairs.truncatedTags.length) {
      log(
        `register: warning: cut to MLflow's length limit: tags ${repairs.truncatedTags.join(', ')}`
      )
      flags.push({ key: 'fcv.tags.truncated', value: repairs.truncatedTags.join(',') })
    }
    if (repairs.droppedMetrics.length) {
      const names = repairs.droppedMetrics.map((m) => `${m.key}=${m.value}`)
      log(`register: warning: not logged, not finite: ${names.join(', ')}`)
      flags.push({
        key: 'fcv.metrics.dropped',
        value: repairs.droppedMetrics.map((m) => m.key).join(','),
      })
    }
    if (flags.length) await client.logBatch(run.run_id, { params: [], metrics: [], tags: flags })
    await client.logInputs(run.run_id, [local.dataset])

    for (const u of local.runFiles) {
      await client.uploadArtifact(run.artifact_uri, u.path, await uploadBytes(u))
    }
    const mlmodel = mlmodelYaml({
      runId: run.run_id,
      modelId,
      mlflowVersion,
      generatedBy: local.generatedBy,
      backend: local.meta.backend,
      inputColumns: local.inputColumns,
      outputWidth: 3,
      metadata: {
        model: 'fcv zero-inflated lognormal (ZILN) network; outputs are the head logits',
        feature_spec_version: local.meta.featureSpec.version,
        feature_names: local.meta.featureSpec.features.map((f) => f.name),
        data_md5: local.dataMd5,
        test_cutoff: local.report.test_cutoff,
        horizon_days: local.report.horizon_days,
        currency: local.report.currency,
      },
    })
    await client.uploadArtifact(model.artifact_uri, 'MLmodel', new TextEncoder().encode(mlmodel))
    for (const u of local.modelFiles) {
      await client.uploadArtifact(model.artifact_uri, u.path, await uploadBytes(u))
    }
    await client.finalizeLoggedModel(modelId, true)
    await client.logOutputs(run.run_id, [modelId])
    log(`register: model ${modelId} uploaded (${local.modelFiles.length + 1} files)`)

    await client.getOrCreateRegisteredModel(
      p.model_name,
      'fcv: expected net spend per customer over the next 90 days (zero-inflated lognormal network, TensorFlow.js)'
    )
    const version = await client.createModelVersion({
      name: p.model_name,
      source: model.artifact_uri,
      runId: run.run_id,
      modelId,
      tags: versionTags(local.report, MODEL_NAME, ['last_90d', BTYD_NAME], facts),
      description: `${MODEL_NAME} at test cutoff ${local.report.test_cutoff}, run ${run.run_name}`,
    })
    done.version = version
    await client.setAlias(p.model_name, p.alias, version.version)
    await client.updateRun(run.run_id, 'FINISHED')
    registration = {
      status: 'registered',
      tracking_uri: uri,
      experiment_id: experiment.experiment_id,
      experiment: p.experiment,
      run_id: run.run_id,
      run_name: run.run_name,
      run_url: runUrl,
      model_id: modelId,
      model_name: p.model_name,
      version: version.version,
      alias: p.alias,
      model_url: `${uri}/#/models/${encodeURIComponent(p.model_name)}/versions/${version.version}`,
      registered_at: new Date().toISOString(),
    }
  } catch (e) {
    await undo(client, { runId: run.run_id, ...done, log })
    throw e
  }
  const announced = await announceCandidate(p.model_name, opts.env ?? process.env, log)
  if (announced) registration.announced = announced
  await writeRecord(p.out_file, registration)
  log(`register: ${p.model_name} version ${registration.version} is "${p.alias}"`)
  log(`register: run ${runUrl}`)
  return registration
}

/** Leaves nothing registered after a failure; a cleanup that fails too is reported, not thrown. */
async function undo(
  client: MlflowClient,
  s: {
    runId: string
    modelId: string | null
    version: ModelVersion | null
    log: (l: string) => void
  }
): Promise<void> {
  const steps: [string, () => Promise<void>][] = [
    ...(s.version
      ? [
          [
            `delete model version ${s.version.version}`,
            () => client.deleteModelVersion(s.version!.name, s.version!.version),
          ] as [string, () => Promise<void>],
        ]
      : []),
    ...(s.modelId
      ? [
          [
            `mark model ${s.modelId} UPLOAD_FAILED`,
            () => client.finalizeLoggedModel(s.modelId!, false),
          ] as [string, () => Promise<void>],
        ]
      : []),
    [`mark run ${s.runId} FAILED`, () => client.updateRun(s.runId, 'FAILED')],
  ]
  for (const [what, step] of steps) {
    try {
      await step()
      s.log(`register: after the failure: ${what}`)
    } catch (e) {
      s.log(`register: after the failure, could not ${what}: ${(e as Error).message}`)
    }
  }
}
