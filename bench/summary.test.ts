import { describe, expect, it } from 'vitest'
import type { Machine } from './machine.ts'
import { failedTargets, renderSummary, type SuiteRun } from './summary.ts'
import { figure, notApplicable, target } from './targets.ts'

const machine: Machine = {
  date: '2026-12-05T09:00:00.000Z',
  cpuModel: 'AMD EPYC 7B13 64-Core Processor',
  cores: 2,
  memoryMb: 24105,
  os: 'Debian GNU/Linux 12 (bookworm)',
  kernel: '6.18.44 x64',
  node: 'v22.23.3',
  tensorflow: 'native (tfjs-node) and pure JS',
  chromium: '156.0.8078.114',
  postgres: null,
  gitCommit: '43a188d0000000000000000000000000000000aa',
  gitDirty: true,
}

const run: SuiteRun = {
  quick: true,
  command: 'npm run bench -- --quick',
  machine,
  seconds: 400,
  benchmarks: [
    { name: 'edge', key: 'edge:quick', status: 'ok', seconds: 120 },
    {
      name: 'control-plane',
      key: 'control-plane:quick',
      status: 'ok',
      seconds: 60,
      firstAttemptError: 'exit 1: browser.newContext: Target closed',
    },
    {
      name: 'features',
      key: 'features:quick',
      status: 'error',
      seconds: 3,
      error: 'exit 1: bench features: Python not found at .venv/bin/python.',
    },
  ],
}

const results = {
  'suite:quick': run,
  'edge:quick': {
    headline: [figure('in-worker 1,000 histories, median', 14, 'ms')],
    targets: [
      target('worker requests/s at batch 1', 3500, 'req/s', '>=', 3000),
      target('worker p99 at batch 1', 12.5, 'ms', '<', 10),
      notApplicable(
        'worker / Flask requests/s at batch 1',
        'x',
        '>=',
        20,
        'Flask not run: --skip-flask'
      ),
    ],
  },
  'control-plane:quick': {
    headline: [figure('pglite: promotion to served, p50', 41, 'ms')],
    targets: [],
  },
  // A full run's entry is not this quick run's business.
  edge: { targets: [target('worker p99 at batch 1', 50, 'ms', '<', 10)] },
}

describe('renderSummary', () => {
  const md = renderSummary(results, true)

  it('describes the machine', () => {
    expect(md).toContain('| CPU | AMD EPYC 7B13 64-Core Processor, 2 cores |')
    expect(md).toContain('| Memory | 24 GiB (24,105 MiB) |')
    expect(md).toContain('| Chromium | 156.0.8078.114 |')
    expect(md).toContain('| PostgreSQL | not found |')
    expect(md).toContain(
      '| Commit | 43a188d0000000000000000000000000000000aa (uncommitted changes) |'
    )
    expect(md).toContain('| TensorFlow | native (tfjs-node) and pure JS |')
  })

  it('gives each target its value, threshold and verdict, N/A with why', () => {
    expect(md).toContain(
      '| worker requests/s at batch 1 | 3,500 req/s | ≥ 3,000 req/s | **PASS** |  |'
    )
    expect(md).toContain('| worker p99 at batch 1 | 12.5 ms | < 10 ms | **FAIL** |  |')
    expect(md).toContain(
      '| worker / Flask requests/s at batch 1 | n/a | ≥ 20x | **N/A** | Flask not run: --skip-flask |'
    )
    expect(md).toContain('| in-worker 1,000 histories, median | 14 ms |')
  })

  it('counts the verdicts per benchmark and shows an error instead of figures', () => {
    expect(md).toContain('| edge:quick | ok | 2.0 min | 1 pass, 1 fail, 1 N/A |')
    expect(md).toContain('| control-plane:quick | ok (2nd attempt) | 60 s | none set |')
    expect(md).toMatch(
      /## control-plane:quick\n\nIts first attempt errored \(the suite tries again once\):\n\n```\nexit 1: browser\.newContext: Target closed\n```/
    )
    expect(md).toContain('| features:quick | **error** | 3 s | not measured |')
    expect(md).toMatch(
      /## features:quick\n\n\*\*Errored\*\* after 3 s:\n\n```\nexit 1: bench features: Python not found/
    )
    expect(md).toContain('No target is set for this benchmark: figures only.')
    expect(md).not.toContain('50 ms')
  })

  it('fails without a suite run to summarise', () => {
    expect(() => renderSummary(results, false)).toThrow(/no "suite" entry/)
  })
})

describe('failedTargets', () => {
  it("lists the run's failed targets, not those of other keys", () => {
    expect(failedTargets(results, run)).toEqual(['edge:quick: worker p99 at batch 1'])
  })
})
