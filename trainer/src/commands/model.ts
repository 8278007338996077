import { runBacktest } from '../evaluate/backtest.ts'
import { runEvaluate } from '../evaluate/index.ts'
import { runTrain } from '../model/index.ts'
import { loadTensorFlow, type BackendChoice } from '../model/backend.ts'
import type { Params } from '../params/schema.ts'

export type { BackendChoice } from '../model/backend.ts'

export async function trainCommand(params: Params, backend?: BackendChoice): Promise<void> {
  const loaded = await loadTensorFlow(backend === undefined ? {} : { backend })
  process.stderr.write(`train: backend ${loaded.description}\n`)
  const summary = await runTrain(params, { tf: loaded.tf, backend: loaded.backend })
  process.stdout.write(
    `train: wrote ${params.train.out_dir}/{model.json,weights.bin,training.json} ` +
      `(best epoch ${summary.result.bestEpoch} of ${summary.result.epochs.length}, ` +
      `${summary.seconds.toFixed(1)} s)\n`
  )
}

export async function evaluateCommand(params: Params, backend?: BackendChoice): Promise<void> {
  const loaded = await loadTensorFlow(backend === undefined ? {} : { backend })
  await runEvaluate(params, { tf: loaded.tf })
  process.stdout.write(
    `evaluate: wrote ${params.evaluate.out_dir}/{metrics.json,report.html,predictions.csv,plots/}\n`
  )
}

export async function backtestCommand(
  params: Params,
  backend?: BackendChoice,
  stores?: readonly string[]
): Promise<void> {
  const loaded = await loadTensorFlow(backend === undefined ? {} : { backend })
  process.stderr.write(`backtest: backend ${loaded.description}\n`)
  await runBacktest(params, {
    tf: loaded.tf,
    backend: loaded.backend,
    ...(stores ? { stores } : {}),
  })
  const dir = params.backtest.out_dir
  process.stdout.write(`backtest: wrote ${dir}/summary.md and ${dir}/summary.json\n`)
}
