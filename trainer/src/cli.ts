#!/usr/bin/env node
import { Command, InvalidArgumentError, Option } from 'commander'
import { parseShard } from '@fcv/core'
import { loadParams } from './params/load.ts'
import type { Params } from './params/schema.ts'
import { recordResourceUsageAtExit } from './io/rusage.ts'
import { runCommand } from './commands/run-command.ts'
import {
  ingestCommand,
  featuresCommand,
  pipelineCommand,
  registerCommand,
} from './commands/stages.ts'
import { mlflowCommand } from './commands/mlflow.ts'
import { tokensCommand } from './commands/tokens.ts'
import { releaseCommand, type ReleaseAction, type ReleaseOptions } from './commands/release.ts'
import { generateCommand, type GenerateFlags } from './commands/generate.ts'
import { REGIMES } from './generate/index.ts'
import { exportHistoriesCommand, type ExportHistoriesFlags } from './commands/export-histories.ts'
import { scoreCommand, type ScoreFlags } from './commands/score.ts'
import {
  backtestCommand,
  evaluateCommand,
  trainCommand,
  type BackendChoice,
} from './commands/model.ts'

recordResourceUsageAtExit(process.env['FCV_RUSAGE_OUT'])

const program = new Command('fcv')
  .description('fcv: forward customer value. Predict each customer’s spend over the next 90 days.')
  .showHelpAfterError()

/** The options every pipeline stage takes: a params file and key=value overrides. */
function withParams(cmd: Command): Command {
  return cmd
    .option('--params <file>', 'parameters file', 'params.yaml')
    .addOption(
      new Option(
        '--set <key=value>',
        'override a parameter, e.g. --set data.path=log.csv (repeatable)'
      )
        .argParser((value: string, previous: string[] | undefined) => [...(previous ?? []), value])
        .default([])
    )
}

interface StageOptions {
  params: string
  set: string[]
  shard?: string
  /** commander's negation of --no-mlflow */
  mlflow?: boolean
}

/** --no-mlflow: skip registration (the same as --set register.enabled=false). */
const noMlflow = () =>
  new Option('--no-mlflow', 'skip MLflow registration (same as --set register.enabled=false)')

function stageParams(o: StageOptions): Params {
  return loadParams(o.params, o.mlflow === false ? [...o.set, 'register.enabled=false'] : o.set)
}

withParams(program.command('ingest'))
  .description('read, validate and clean the transaction log into data/interim/')
  .action((o: StageOptions) =>
    runCommand('ingest', () => ingestCommand(loadParams(o.params, o.set)))
  )

/** --merge-shards n: the n of the shards' --shard i/n. */
function parseShardCount(text: string): number {
  const n = Number(text)
  if (!/^\d+$/.test(text) || n < 1) {
    throw new InvalidArgumentError(`"${text}" is not a shard count: a whole number >= 1, e.g. 4`)
  }
  return n
}

withParams(program.command('features'))
  .description('build train/valid/test feature rows at rolling cutoffs into data/processed/')
  .option(
    '--shard <i/n>',
    'only customers whose id hashes to shard i of n, into data/processed/shards/<i>-of-<n>/'
  )
  .addOption(
    new Option(
      '--merge-shards <n>',
      'merge the n shards --shard i/n wrote into the output the unsharded run writes'
    )
      .argParser(parseShardCount)
      .conflicts('shard')
  )
  .action((o: StageOptions & { mergeShards?: number }) =>
    runCommand('features', () =>
      featuresCommand(loadParams(o.params, o.set), {
        ...(o.shard === undefined ? {} : { shard: parseShard(o.shard) }),
        ...(o.mergeShards === undefined ? {} : { mergeShards: o.mergeShards }),
      })
    )
  )

const backendOption = () =>
  new Option(
    '--backend <name>',
    'TensorFlow backend: native (tfjs-node), js, or auto (native when it loads)'
  )
    .choices(['auto', 'native', 'js'])
    .env('FCV_BACKEND')

/** A command that runs TensorFlow: the params options and the backend choice. */
function withBackend(
  name: string,
  description: string,
  run: (params: Params, backend?: BackendChoice) => Promise<void>
): Command {
  return withParams(program.command(name))
    .description(description)
    .addOption(backendOption())
    .action((o: StageOptions & { backend?: BackendChoice }) =>
      runCommand(name, () => run(stageParams(o), o.backend))
    )
}

withBackend(
  'train',
  'train the ZILN network on the feature rows into models/candidate/',
  trainCommand
)
withBackend(
  'evaluate',
  'score the model and the baselines on the test rows into reports/',
  evaluateCommand
)
withParams(program.command('backtest'))
  .description(
    'the judge of the defaults: ingest, features, train and evaluate every store of ' +
      'backtest.stores at each of its test cutoffs; summary.md and summary.json'
  )
  .addOption(backendOption())
  .option('--stores <names>', 'only these stores, comma-separated (default: all)')
  .action((o: StageOptions & { backend?: BackendChoice; stores?: string }) =>
    runCommand('backtest', () =>
      backtestCommand(
        stageParams(o),
        o.backend,
        o.stores?.split(',').map((s) => s.trim())
      )
    )
  )
withBackend(
  'pipeline',
  'run every stage in order (what `dvc repro` runs), without DVC',
  pipelineCommand
).addOption(noMlflow())

withParams(program.command('register'))
  .description(
    'record the run in MLflow (params, metrics, curves, model, reports) and register the model ' +
      'version with the alias register.alias; MLFLOW_TRACKING_URI, else a local server'
  )
  .addOption(noMlflow())
  .action((o: StageOptions) => runCommand('register', () => registerCommand(stageParams(o))))

withParams(program.command('mlflow'))
  .description('the embedded local MLflow server (register.embedded): start, stop or status')
  .argument('<action>', 'start | stop | status')
  .action((action: string, o: StageOptions) =>
    runCommand('mlflow', () => mlflowCommand(action, loadParams(o.params, o.set)))
  )

program
  .command('generate')
  .description('write a synthetic transaction log in the retail log format')
  .requiredOption('--out <file>', 'output file (.csv or .csv.gz)')
  .option('--customers <n>', 'number of customers', '1000')
  .option('--years <n>', 'years of history', '2')
  .option('--seed <n>', 'random seed', '1')
  .option('--start <date>', 'first day, YYYY-MM-DD', '2021-01-01')
  .addOption(
    new Option('--regime <name>', 'the kind of store (below)').choices(REGIMES).default('steady')
  )
  .option(
    '--no-order-ids',
    'write no Invoice column: a return is only its negative quantity (ingest it with ' +
      '--set data.columns.order_id=null)'
  )
  .addHelpText(
    'after',
    `
Regimes (trainer/src/generate/regime.ts):
  steady     the development log's shape (default): acquisition slowing 4:1 over the period,
             a Q4 peak about twice the base level, constant churn
  cohort     one cohort: every first purchase in the first 91 days, nobody acquired later;
             dropout about twice as fast, so year 2's spend is about half of year 1's
  growth     acquisition rising 1:8 over the period and a Q4 peak about four times the base
             level: the last year's spend well above the first's, more of it in Q4
  shrinking  acquisition halving every 120 days and churn rising (dropout hazard 3x a year in):
             the spend declines year over year`
  )
  .action((o: GenerateFlags) => runCommand('generate', () => generateCommand(o)))

withParams(program.command('export-histories'))
  .description(
    'write customers’ histories before asOf as JSON in the wire form of POST /v1/predict and the ' +
      'widget, for demo pages and tests; a history longer than 2000 transactions is refused when ' +
      'named and not picked, never cut'
  )
  .requiredOption('--out <file>', 'output JSON file, written whole or not at all')
  .option('--input <file>', 'interim transactions (default: <ingest.out_dir>/transactions.arrow)')
  .option(
    '--as-of <date>',
    'YYYY-MM-DD or ISO instant; only transactions strictly before it (default: features.test_cutoff)'
  )
  .option('--customers <ids>', 'customer ids, comma-separated, exported in this order')
  .option(
    '--pick <n>',
    'pick n more customers with a purchase before asOf: the median of each of n equal tiers by ' +
      'net spend, low to high; for n >= 2 one tier gives way to the returns-heavy customer ' +
      '(returns >= 25% of purchases) who returned the most; at most 50 customers in all'
  )
  .action((o: StageOptions & ExportHistoriesFlags) =>
    runCommand('export-histories', () => exportHistoriesCommand(loadParams(o.params, o.set), o))
  )

withParams(program.command('score'))
  .description(
    'forecast every customer with a purchase before as-of: expected value, P(buy), P10/P50/P90 ' +
      'over the model\u2019s horizon (90 days) after it, scored by core exactly as the edge worker scores ' +
      'the same histories, into <out>/scores.csv, scores.arrow and summary.json (the total and its ' +
      'P10-P90, counts, the model, as-of); the local candidate unless --model-version or --alias ' +
      'names a version of register.model_name in MLflow'
  )
  .option(
    '--as-of <date>',
    'YYYY-MM-DD (00:00 UTC) or ISO instant; only transactions strictly before it count (default: ' +
      'the end of the log, i.e. the day after its last transaction)'
  )
  .addOption(
    new Option('--model-version <n>', 'score with this version of register.model_name (MLflow)')
  )
  .addOption(
    new Option(
      '--alias <name>',
      'score with the version this alias names, e.g. challenger or champion-edge (MLflow)'
    ).conflicts('modelVersion')
  )
  .option('--out <dir>', 'output directory', 'data/scores')
  .option('--input <file>', 'interim transactions (default: <ingest.out_dir>/transactions.arrow)')
  .option(
    '--shard <i/n>',
    'only customers whose id hashes to shard i of n (as `fcv features`), into <out>/shards/<i>-of-<n>/'
  )
  .option(
    '--strict-window',
    'refuse an as-of outside the window the model is calibrated for ([test cutoff, test cutoff + ' +
      'horizon)) or when that window is unknown; without it, a warning'
  )
  .action((o: StageOptions & ScoreFlags) =>
    runCommand('score', () => scoreCommand(loadParams(o.params, o.set), o))
  )

program
  .command('tokens')
  .description(
    'control-plane API tokens: create (shown once), list, revoke; uses FCV_CONTROL_PLANE_URL and FCV_ADMIN_TOKEN'
  )
  .argument('<action>', 'create | list | revoke')
  .option('--name <name>', 'token name (create, revoke)')
  .addOption(
    new Option('--role <role>', 'role (create)').choices([
      'admin',
      'publisher',
      'reporter',
      'viewer',
    ])
  )
  .action((action: string, o: { name?: string; role?: string }) =>
    runCommand('tokens', () => tokensCommand(action, o))
  )

const release = program
  .command('release')
  .description(
    'ship a registered model version through the control plane: sync, promote (through the gates, ' +
      'as champion or canary), canary, rollback, status; FCV_CONTROL_PLANE_URL and FCV_RELEASE_TOKEN'
  )
  .addHelpText(
    'after',
    `
Environment:
  FCV_CONTROL_PLANE_URL  the control plane (default http://127.0.0.1:8080)
  FCV_RELEASE_TOKEN      its API token: publisher for sync and status, admin for promote, canary
                         and rollback (read from the environment only; never printed)

Exit codes:
  0  done
  1  error (the message names the HTTP status, error code, message and request id)
  2  usage error (a missing or unknown option)
  3  gates failed: nothing shipped (promote prints the gate table)
  4  nothing to do: the deployment is already as asked (e.g. the version is already the champion)`
  )
  // Usage errors exit 2 (commander's default is 1, which here means "the release failed"); the
  // subcommands below inherit this.
  .exitOverride((e) => process.exit(e.exitCode === 0 ? 0 : 2))

/** A release subcommand: the model option, and its exit code as the process's. */
function releaseAction(name: ReleaseAction, description: string): Command {
  return release
    .command(name)
    .description(description)
    .addOption(
      new Option('--model <name>', 'registered model name')
        .env('FCV_MODEL_NAME')
        .default('fcv-customer-value')
    )
    .action((o: ReleaseOptions) =>
      runCommand(`release ${name}`, async () => {
        process.exitCode = await releaseCommand(name, o)
      })
    )
}

releaseAction('sync', 'mirror the model\u2019s versions from MLflow into the control plane').option(
  '--version <n>',
  'fail unless this version is among them'
)
releaseAction(
  'promote',
  'promote a version on a channel through the gates, as champion or (--canary-share) canary; ' +
    'prints the gate table; idempotent (exit 4 when already there, a retry replays or resumes)'
)
  .requiredOption('--version <n>', 'the model version')
  .requiredOption('--channel <channel>', 'edge or widget')
  .requiredOption('--reason <text>', 'why (audited)')
  .option('--canary-share <share>', 'make it the canary with this share of traffic, in (0, 1)')
  .option('--force', 'promote although gates failed (admin, audited as forced)')
releaseAction('canary', 'widen or narrow the channel\u2019s canary, or stop it with --share 0')
  .requiredOption('--channel <channel>', 'edge or widget')
  .requiredOption('--share <share>', 'the new share, in [0, 1); 0 stops the canary')
  .requiredOption('--reason <text>', 'why (audited)')
releaseAction('rollback', 'put the previous champion back on a channel')
  .requiredOption('--channel <channel>', 'edge or widget')
  .requiredOption('--reason <text>', 'why (audited)')
  .option(
    '--from <n>',
    'only if this version is the champion (exit 4 otherwise): a retried rollback never rolls back twice'
  )
releaseAction('status', 'what serves on each channel').option(
  '--channel <channel>',
  'only this channel'
)

await program.parseAsync()
