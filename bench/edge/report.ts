// The edge benchmark's targets and printed summary.

import {
  figure,
  notApplicable,
  target,
  targetLine,
  type Figure,
  type TargetRecord,
} from '../targets.ts'
import type { InWorkerFigures } from './in-worker.ts'
import type { LoadFigures } from './load.ts'

export const TARGETS = {
  batch1RequestsPerS: 3000,
  batch1P99Ms: 10,
  histories1000Ms: 20,
  flaskRatio: 20,
}

export interface LoadRow {
  name: string
  batch: number
  figures: LoadFigures
}

export interface Summary {
  header: string
  rows: LoadRow[]
  /** worker / Flask requests per second, by batch size; absent without Flask. */
  ratios: Record<number, number>
  inWorker: InWorkerFigures
  httpHistories: { median_ms: number; runs: number }
  targets: TargetRecord[]
}

export function targets(
  rows: readonly LoadRow[],
  ratios: Record<number, number>,
  inWorker: InWorkerFigures,
  quick: boolean
): TargetRecord[] {
  const note = quick ? '--quick: short runs' : undefined
  const b1 = rows.find((r) => r.name === 'worker features' && r.batch === 1)?.figures
  const out: TargetRecord[] = []
  const rps = 'worker requests/s at batch 1'
  const p99 = 'worker p99 at batch 1'
  if (b1) {
    out.push(target(rps, b1.requests_per_s, 'req/s', '>=', TARGETS.batch1RequestsPerS, note))
    out.push(target(p99, b1.p99_ms, 'ms', '<', TARGETS.batch1P99Ms, note))
  } else {
    out.push(notApplicable(rps, 'req/s', '>=', TARGETS.batch1RequestsPerS, 'not run'))
    out.push(notApplicable(p99, 'ms', '<', TARGETS.batch1P99Ms, 'not run'))
  }
  const p90 = `p90 ${inWorker.workerd.p90_ms} ms`
  out.push(
    target(
      '1,000 customers from raw histories in the worker (median)',
      inWorker.workerd.median_ms,
      'ms',
      '<',
      TARGETS.histories1000Ms,
      note ? `${p90}; ${note}` : p90
    )
  )
  for (const batch of [1, 100]) {
    const name = `worker / Flask requests/s at batch ${batch}`
    const ratio = ratios[batch]
    out.push(
      ratio === undefined
        ? notApplicable(name, 'x', '>=', TARGETS.flaskRatio, 'Flask not run: --skip-flask')
        : target(name, ratio, 'x', '>=', TARGETS.flaskRatio, note)
    )
  }
  return out
}

/** Not a target of the issue but a condition of every figure: each request answered 2xx. */
export function answersCheck(rows: readonly LoadRow[]): TargetRecord {
  const failed = rows.filter((r) => r.figures.failed > 0)
  const total = rows.reduce((a, r) => a + r.figures.requests, 0)
  return target(
    'requests under load not answered 2xx (warm-ups included)',
    failed.reduce((a, r) => a + r.figures.failed, 0),
    'requests',
    '=',
    0,
    failed.length
      ? failed.map((r) => `${r.name} b${r.batch}: ${r.figures.failed} failed`).join('; ')
      : `of ${total.toLocaleString('en')}`
  )
}

/** The figures SUMMARY.md shows for this benchmark. */
export function edgeHeadline(s: Pick<Summary, 'rows' | 'inWorker' | 'httpHistories'>): Figure[] {
  return [
    ...s.rows.map((r) =>
      figure(
        `${r.name}${r.batch ? ` b${r.batch}` : ''}`,
        `${r.figures.requests_per_s} req/s, p99 ${r.figures.p99_ms} ms`
      )
    ),
    figure('in-worker 1,000 histories, median', s.inWorker.workerd.median_ms, 'ms'),
    figure('in Node, same loop, median', s.inWorker.node.median_ms, 'ms'),
    figure('1,000 histories in one POST, median', s.httpHistories.median_ms, 'ms'),
  ]
}

const pad = (s: string | number, n: number) => String(s).padStart(n)

export function printSummary(s: Summary): void {
  const lines = ['', s.header, '']
  lines.push(
    `${'endpoint'.padEnd(26)}${pad('batch', 6)}${pad('req/s', 9)}${pad('customers/s', 13)}` +
      `${pad('p50 ms', 9)}${pad('p99 ms', 9)}${pad('requests', 10)}${pad('failed', 8)}` +
      '  server CPU ms/req (cores busy)'
  )
  for (const r of s.rows) {
    const f = r.figures
    lines.push(
      // batch 0: the GET /healthz floor, which scores nobody.
      `${r.name.padEnd(26)}${pad(r.batch || '-', 6)}${pad(f.requests_per_s, 9)}` +
        `${pad(r.batch ? f.requests_per_s * r.batch : '-', 13)}${pad(f.p50_ms.toFixed(2), 9)}` +
        `${pad(f.p99_ms.toFixed(2), 9)}${pad(f.requests, 10)}${pad(f.failed, 8)}  ` +
        (f.server_cpu_ms_per_request === null
          ? 'n/a'
          : `${f.server_cpu_ms_per_request.toFixed(3)} (${f.server_cores})`)
    )
  }
  for (const [batch, ratio] of Object.entries(s.ratios)) {
    lines.push(`${'worker / Flask req/s'.padEnd(26)}${pad(batch, 6)}${pad(`${ratio}x`, 9)}`)
  }
  const w = s.inWorker
  lines.push(
    '',
    `in-worker scoreHistories, ${w.customers} customers (${w.transactions} transactions), ` +
      `${w.workerd.runs} runs after ${w.warmup} warm-up (${w.engine}):`,
    `  workerd  median ${w.workerd.median_ms} ms, p90 ${w.workerd.p90_ms} ms, ` +
      `min ${w.workerd.min_ms}, max ${w.workerd.max_ms} (clock resolution ${w.workerd.resolution_ms} ms, ` +
      `${w.clock.boundary} boundary alone ${w.workerd.boundary_alone_median_ms} ms)`,
    `  node     median ${w.node.median_ms} ms, p90 ${w.node.p90_ms} ms, ` +
      `min ${w.node.min_ms}, max ${w.node.max_ms} (fresh process, performance.now()); ` +
      `same predictions: ${w.same_predictions ? 'yes' : 'NO'}`,
    `  clock check: ${w.clock.verdict}`,
    `1,000 histories in one POST /v1/predict (client wall: upload, parse, validation, scoring): ` +
      `median ${s.httpHistories.median_ms} ms over ${s.httpHistories.runs}`,
    '',
    ...s.targets.map(targetLine),
    ''
  )
  for (const r of s.rows.filter((row) => row.figures.failed > 0)) {
    lines.push(
      `failed requests, ${r.name} b${r.batch}:`,
      ...r.figures.failure_kinds.map((k) => `  ${k.count} x ${k.what}`),
      `  at ${r.figures.failure_times_s.join(' ')} s after the warm-up began`
    )
  }
  process.stdout.write(lines.join('\n') + '\n')
}
