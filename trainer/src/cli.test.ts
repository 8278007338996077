import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { beforeAll, describe, expect, inject, it } from 'vitest'

// The bundled CLI is what DVC, the README and users run: build it and drive it as a user would.

const root = resolve(import.meta.dirname, '../..')
const cli = join(root, 'trainer/dist/fcv.mjs')
const work = mkdtempSync(join(tmpdir(), 'fcv-cli-'))

// Registration goes to the test run's MLflow server, never to the repository's embedded one.
const env = { ...process.env, MLFLOW_TRACKING_URI: inject('mlflowUri') }

function fcv(...args: string[]) {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: root, encoding: 'utf8', env })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

beforeAll(() => {
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'ignore' })
}, 60_000)

describe('fcv (bundled)', () => {
  it('lists its commands', () => {
    const r = fcv('--help')
    expect(r.code).toBe(0)
    for (const c of ['ingest', 'features', 'pipeline', 'generate', 'export-histories', 'score']) {
      expect(r.stdout).toContain(c)
    }
  })

  it('runs generate then the pipeline on the result, with overrides', { timeout: 120_000 }, () => {
    const log = join(work, 'log.csv.gz')
    const g = fcv('generate', '--customers', '300', '--years', '2', '--seed', '5', '--out', log)
    expect(g.code, g.stderr).toBe(0)
    const p = fcv(
      'pipeline',
      '--set',
      `data.path=${log}`,
      '--set',
      `ingest.out_dir=${join(work, 'interim')}`,
      '--set',
      `features.out_dir=${join(work, 'processed')}`,
      '--set',
      'features.test_cutoff=2022-09-01',
      '--set',
      'features.count=4',
      '--set',
      `train.out_dir=${join(work, 'model')}`,
      '--set',
      `evaluate.out_dir=${join(work, 'reports')}`,
      '--set',
      `register.out_file=${join(work, 'registration.json')}`,
      '--set',
      'register.model_name=fcv-cli-test'
    )
    expect(p.code, p.stderr).toBe(0)
    const registration = JSON.parse(readFileSync(join(work, 'registration.json'), 'utf8'))
    expect(registration).toMatchObject({
      status: 'registered',
      model_name: 'fcv-cli-test',
      alias: 'challenger',
    })
    expect(p.stderr).toMatch(/ingest: [\d,]+ rows in/)
    const schema = JSON.parse(readFileSync(join(work, 'processed/schema.json'), 'utf8'))
    expect(schema.cutoffs).toHaveLength(5)
    expect(schema.splits.test.rows).toBeGreaterThan(50)
    const report = JSON.parse(readFileSync(join(work, 'interim/ingest-report.json'), 'utf8'))
    expect(report.by_reason.missing_customer_id).toBeGreaterThan(0)
    expect(report.by_reason.duplicate).toBeGreaterThan(0)

    // every customer scored as of the end of the log, by the version the pipeline registered
    const s = fcv(
      'score',
      '--alias',
      'challenger',
      '--set',
      `ingest.out_dir=${join(work, 'interim')}`,
      '--set',
      'register.model_name=fcv-cli-test',
      '--out',
      join(work, 'scores')
    )
    expect(s.code, s.stderr).toBe(0)
    const summary = JSON.parse(readFileSync(join(work, 'scores/summary.json'), 'utf8'))
    expect(summary.model).toMatchObject({ source: 'mlflow', version: registration.version })
    expect(summary.calibrated_window).toMatchObject({ start: '2022-09-01', as_of_inside: false })
    expect(s.stderr).toMatch(
      /score: warning: as-of .* is outside the window the model is calibrated for/
    )
    expect(s.stdout).toMatch(
      new RegExp(
        `^score: ${summary.customers.scored} customers as of ${summary.as_of} by model ${registration.version}: `
      )
    )
    const rows = readFileSync(join(work, 'scores/scores.csv'), 'utf8').trimEnd().split('\n')
    expect(rows).toHaveLength(summary.customers.scored + 1)
  })

  it('score names a bad --as-of, without a stack trace', () => {
    const r = fcv('score', '--as-of', '2022-02-30')
    expect(r.code).toBe(1)
    expect(r.stderr).toBe('fcv score: error: --as-of: "2022-02-30" is not a real calendar date\n')
  })

  it('explains bad parameters in one line, without a stack trace, and exits 1', () => {
    const r = fcv('ingest', '--set', 'features.count=zero')
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('features.count')
    expect(r.stderr).not.toMatch(/\n\s+at /)
  })

  it('names a missing input file and leaves no output', () => {
    const out = join(work, 'missing-out')
    const r = fcv(
      'ingest',
      '--set',
      'data.path=/nonexistent/log.csv',
      '--set',
      `ingest.out_dir=${out}`
    )
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('/nonexistent/log.csv')
    expect(r.stderr).not.toMatch(/\n\s+at /)
    expect(existsSync(out)).toBe(false)
  })

  it('export-histories says to run ingest first when there is no interim table', () => {
    const out = join(work, 'customers.json')
    const r = fcv(
      'export-histories',
      '--set',
      `ingest.out_dir=${join(work, 'no-interim')}`,
      '--pick',
      '6',
      '--out',
      out
    )
    expect(r.code).toBe(1)
    expect(r.stderr).toContain(
      `fcv export-histories: error: ${join(work, 'no-interim/transactions.arrow')}: ` +
        'no ingested transactions; run `fcv ingest` (or `fcv pipeline`) first'
    )
    expect(r.stderr).not.toMatch(/\n\s+at /)
    expect(existsSync(out)).toBe(false)
  })

  it('generates a regime without order ids, which ingest reads with order_id null', () => {
    const log = join(work, 'cohort.csv')
    const g = fcv(
      'generate',
      '--customers',
      '100',
      '--years',
      '1',
      '--regime',
      'cohort',
      '--no-order-ids',
      '--out',
      log
    )
    expect(g.code, g.stderr).toBe(0)
    expect(g.stdout).toMatch(/"regime": "cohort",\s+"orderIds": false,/)
    expect(readFileSync(log, 'utf8').split('\n', 1)[0]).toBe(
      'StockCode,Description,Quantity,InvoiceDate,Price,Customer ID,Country'
    )
    const out = join(work, 'cohort-interim')
    const i = fcv(
      'ingest',
      '--set',
      `data.path=${log}`,
      '--set',
      'data.columns.order_id=null',
      '--set',
      `ingest.out_dir=${out}`
    )
    expect(i.code, i.stderr).toBe(0)
    const report = JSON.parse(readFileSync(join(out, 'ingest-report.json'), 'utf8'))
    expect(report).toMatchObject({ customers: 100, orders: 0 })
    expect(report.returns).toBeGreaterThan(0)
    const bad = fcv('generate', '--regime', 'booming', '--out', join(work, 'x.csv'))
    expect(bad.code).toBe(1)
    expect(bad.stderr).toContain('Allowed choices are steady, cohort, growth, shrinking')
  })

  it('rejects a malformed shard', () => {
    const r = fcv('features', '--shard', '3/3')
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/shard "3\/3" must be i\/n/)
  })

  it(
    'builds features in 3 shards of a generated log and merges them into the unsharded bytes',
    {
      timeout: 120_000,
    },
    () => {
      const dir = join(work, 'sharded')
      const log = join(dir, 'log.csv.gz')
      mkdirSync(dir)
      expect(
        fcv('generate', '--customers', '400', '--years', '2', '--seed', '17', '--out', log).code
      ).toBe(0)
      const set = (out: string) =>
        [
          `data.path=${log}`,
          `ingest.out_dir=${join(dir, 'interim')}`,
          `features.out_dir=${join(dir, out)}`,
          'features.test_cutoff=2022-09-01',
          'features.count=4',
        ].flatMap((s) => ['--set', s])
      expect(fcv('ingest', ...set('whole')).code).toBe(0)
      expect(fcv('features', ...set('whole')).code).toBe(0)
      for (let i = 0; i < 3; i++) {
        const r = fcv('features', '--shard', `${i}/3`, ...set('merged'))
        expect(r.code, r.stderr).toBe(0)
      }
      const merged = fcv('features', '--merge-shards', '3', ...set('merged'))
      expect(merged.code, merged.stderr).toBe(0)
      expect(merged.stdout).toMatch(
        /merged\/\{train,valid,test\}\.arrow and schema\.json from 3 shards/
      )
      for (const f of ['train.arrow', 'valid.arrow', 'test.arrow', 'schema.json']) {
        expect(
          readFileSync(join(dir, 'merged', f)).equals(readFileSync(join(dir, 'whole', f))),
          f
        ).toBe(true)
      }
      const wrong = fcv('features', '--merge-shards', '2', ...set('merged'))
      expect(wrong.code).toBe(1)
      expect(wrong.stderr).toMatch(/shard 0\/2 .* is missing/)
    }
  )

  it('rejects a malformed shard count, and --shard with --merge-shards', () => {
    const zero = fcv('features', '--merge-shards', '0')
    expect(zero.code).toBe(1)
    expect(zero.stderr).toMatch(/"0" is not a shard count/)
    const both = fcv('features', '--shard', '0/3', '--merge-shards', '3')
    expect(both.code).toBe(1)
    expect(both.stderr).toMatch(/--merge-shards <n>' cannot be used with option '--shard/)
  })
})
