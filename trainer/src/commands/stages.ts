import type { Shard } from '@fcv/core'
import { runFeatures, shardDir } from '../features/index.ts'
import { mergeFeatureShards } from '../features/merge-shards.ts'
import { runIngest } from '../ingest/index.ts'
import type { Params } from '../params/schema.ts'
import { runRegister } from '../register/index.ts'
import { evaluateCommand, trainCommand, type BackendChoice } from './model.ts'

export async function ingestCommand(params: Params): Promise<void> {
  await runIngest(params, { progress: true })
  process.stdout.write(`ingest: wrote ${params.ingest.out_dir}/transactions.arrow\n`)
}

export async function featuresCommand(
  params: Params,
  options: { shard?: Shard; mergeShards?: number } = {}
): Promise<void> {
  const { shard, mergeShards } = options
  const report =
    mergeShards === undefined
      ? await runFeatures(params, shard ? { shard } : {})
      : await mergeFeatureShards(params, mergeShards)
  const where = shard ? shardDir(params.features.out_dir, shard) : params.features.out_dir
  process.stdout.write(
    `features: wrote ${where}/{train,valid,test}.arrow and schema.json ` +
      (mergeShards === undefined ? '' : `from ${mergeShards} shards `) +
      `(${report.splits.train.rows} train, ${report.splits.valid.rows} valid, ${report.splits.test.rows} test rows)\n`
  )
}

/** The stages in order, the same code `dvc repro` runs stage by stage. */
export async function pipelineCommand(params: Params, backend?: BackendChoice): Promise<void> {
  await ingestCommand(params)
  await featuresCommand(params)
  await trainCommand(params, backend)
  await evaluateCommand(params, backend)
  await registerCommand(params, 'fcv pipeline')
}

export async function registerCommand(params: Params, source = 'fcv register'): Promise<void> {
  const r = await runRegister(params, { source })
  process.stdout.write(
    r.status === 'registered'
      ? `register: ${r.model_name} version ${r.version} ("${r.alias}"), run ${r.run_url}\n`
      : `register: skipped (${r.reason})\n`
  )
}
