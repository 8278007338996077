// The widget benchmark: builds web-widget/ (npm run build -w @fcv/web-widget) and measures
//   size.ts     every script the build writes (as built, minified, gzip -9) and the script-tag
//               file's 15 KB gzip budget
//   timings.ts  in Chromium on the demo shop against the built Worker: the first prediction after
//               the script starts, cold and with the bundle cached, and scoring a 500-line history
// Figures go to bench/results.json under "widget": { size, timings }; a --size-only run replaces
// only "size" and keeps the rest.

import { existsSync, readFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { BENCH_OUT, machineInfo, REPO_ROOT, RESULTS_FILE, runStep, saveResults } from '../common.ts'
import {
  figure,
  notApplicable,
  target,
  targetLine,
  type Figure,
  type TargetRecord,
} from '../targets.ts'
import {
  BUDGET_GZIP_BYTES,
  budgetTarget,
  type FileSize,
  SCRIPT_TAG_FILE,
  sizeTable,
  widgetFileSizes,
} from './size.ts'
import { widgetTimings, type WidgetTimings } from './timings.ts'

export const USAGE = `usage: npm run bench -- widget [options]

  --size-only   only the sizes: build, then the size of each script and the 15 KB budget
  --loads N     cold and cached page loads for the first-prediction timing (default 10, quick 3)
  --quick       3 loads each and 100 scoring calls (key "widget:quick"; also FCV_BENCH_QUICK=1)
  --check       exit 1 when a target fails (the budget, the 100 ms first prediction)

Builds web-widget/ (npm run build -w @fcv/web-widget) into web-widget/dist/ and prints each
script's size as built, minified (oxc) and gzip -9, with PASS/FAIL for the script-tag file
(fcv-widget.iife.js) against 15,000 B gzip (15 KiB, 15,360 B, alongside). Then, in headless
Chromium (the e2e stack: a real MLflow, the control plane, the built Worker in workerd, the demo
shop), the time from the script-tag file starting to the first fcv:prediction: the median of N cold
loads (a fresh browser context each, the bundle from the Worker) against 100 ms, and of N loads
with the bundle cached; and scoring one customer with a 500-line history (median, p99).
Figures: bench/results.json (key "widget", --quick "widget:quick"; a size-only run keeps the
timings already there).`

const DIST = path.join(REPO_ROOT, 'web-widget', 'dist')

const FIRST_PREDICTION = 'first fcv:prediction after the script starts, cold (median)'
const FIRST_PREDICTION_MS = 100

/** This benchmark's entry in results.json, to keep what a run does not measure. */
function previousEntry(key: string): Record<string, unknown> {
  if (!existsSync(RESULTS_FILE)) return {}
  try {
    const entry = (JSON.parse(readFileSync(RESULTS_FILE, 'utf8')) as Record<string, unknown>)[key]
    return typeof entry === 'object' && entry !== null ? (entry as Record<string, unknown>) : {}
  } catch {
    return {}
  }
}

function widgetHeadline(sizes: readonly FileSize[], t: WidgetTimings | undefined): Figure[] {
  const tag = sizes.find((f) => f.file === SCRIPT_TAG_FILE)!
  const out = [
    figure(`${SCRIPT_TAG_FILE} as built`, tag.bytes, 'B'),
    figure(`${SCRIPT_TAG_FILE} gzip -9`, tag.gzip, 'B'),
  ]
  if (t) {
    out.push(
      figure(`first prediction, cold (${t.loads} loads), median`, t.coldMs.median, 'ms'),
      figure(`first prediction, bundle cached (${t.loads} loads), median`, t.cachedMs.median, 'ms'),
      figure(
        `score one customer, 500 lines (${t.score500.calls} calls), median`,
        t.score500.medianMs,
        'ms'
      ),
      figure('score one customer, 500 lines, p99', t.score500.p99Ms, 'ms'),
      figure('Chromium', t.chromium)
    )
  }
  return out
}

export async function widgetBenchmark(argv: string[]): Promise<number> {
  const { values: o } = parseArgs({
    args: argv,
    options: {
      'size-only': { type: 'boolean', default: false },
      loads: { type: 'string' },
      quick: { type: 'boolean', default: process.env['FCV_BENCH_QUICK'] === '1' },
      check: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  })
  if (o.help) {
    process.stdout.write(USAGE + '\n')
    return 0
  }
  const loads = Number(o.loads ?? (o.quick ? 3 : 10))
  if (!(Number.isInteger(loads) && loads > 0 && loads <= 100)) {
    throw new Error(`--loads ${o.loads}: a whole number from 1 to 100`)
  }
  // Smoke runs (--quick) go under their own key so they never replace the full figures.
  const key = o.quick ? 'widget:quick' : 'widget'
  await runStep('build web-widget', 'npm', ['run', 'build', '-w', '@fcv/web-widget'], {
    logFile: path.join(BENCH_OUT, 'widget', 'build.log'),
  })
  const sizes = widgetFileSizes(DIST)
  const budget = budgetTarget(sizes)
  process.stdout.write(`\n${sizeTable(sizes)}\n\n${targetLine(budget)}\n`)
  const size = {
    machine: machineInfo(undefined),
    files: sizes,
    budget: { file: SCRIPT_TAG_FILE, gzipBytes: BUDGET_GZIP_BYTES, target: budget },
  }
  if (o['size-only']) {
    const skipped = notApplicable(
      FIRST_PREDICTION,
      'ms',
      '<',
      FIRST_PREDICTION_MS,
      '--size-only: timings not run'
    )
    saveResults(key, {
      ...previousEntry(key),
      size,
      headline: widgetHeadline(sizes, undefined),
      targets: [budget, skipped],
    })
    return o.check && budget.passed === false ? 1 : 0
  }
  const load0 = os.loadavg().map((x) => Number(x.toFixed(2)))
  const t = await widgetTimings(loads, o.quick ? 100 : 500)
  const firstTarget: TargetRecord = target(
    FIRST_PREDICTION,
    t.coldMs.median,
    'ms',
    '<',
    FIRST_PREDICTION_MS,
    `${loads} loads, p90 ${t.coldMs.p90} ms`
  )
  process.stdout.write(
    [
      '',
      `first prediction, cold (${loads} loads):   median ${t.coldMs.median} ms, p90 ${t.coldMs.p90} ms, max ${t.coldMs.max} ms`,
      `first prediction, cached (${loads} loads): median ${t.cachedMs.median} ms, p90 ${t.cachedMs.p90} ms, max ${t.cachedMs.max} ms`,
      `score one customer, 500 lines (${t.score500.calls} calls): median ${t.score500.medianMs} ms, p99 ${t.score500.p99Ms} ms`,
      `Chromium ${t.chromium}; load average before ${load0.join(' ')}, after ${os
        .loadavg()
        .map((x) => x.toFixed(2))
        .join(' ')}`,
      '',
      targetLine(firstTarget),
      '',
    ].join('\n')
  )
  const targets = [budget, firstTarget]
  saveResults(key, {
    size,
    timings: { ...t, loadAverage: { before: load0, after: os.loadavg() }, target: firstTarget },
    headline: widgetHeadline(sizes, t),
    targets,
  })
  return o.check && targets.some((x) => x.passed === false) ? 1 : 0
}
