// The widget benchmark: builds web-widget/ (npm run build -w @fcv/web-widget) and measures
//   size.ts     every script the build writes (as built, minified, gzip -9) and the script-tag
//               file's 15 KB gzip budget
//   timings.ts  (to come) in Chromium: the first prediction after the script starts, cold and with
//               the bundle cached, and scoring a 500-line history
// Figures go to bench/results.json under "widget": { size, timings }; a --size-only run replaces
// only "size" and keeps the rest.

import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { parseArgs } from 'node:util'
import {
  BENCH_OUT,
  log,
  machineInfo,
  REPO_ROOT,
  RESULTS_FILE,
  runStep,
  saveResults,
  targetLine,
} from '../common.ts'
import {
  BUDGET_GZIP_BYTES,
  budgetTarget,
  SCRIPT_TAG_FILE,
  sizeTable,
  widgetFileSizes,
} from './size.ts'

export const USAGE = `usage: npm run bench -- widget [options]

  --size-only   only the sizes: build, then the size of each script and the 15 KB budget
  --check       exit 1 when a target fails (the budget)

Builds web-widget/ (npm run build -w @fcv/web-widget) into web-widget/dist/ and prints each
script's size as built, minified (oxc) and gzip -9, with PASS/FAIL for the script-tag file
(fcv-widget.iife.js) against 15,000 B gzip (15 KiB, 15,360 B, alongside). The Chromium timings
(first prediction after the script starts, cold and cached; scoring a 500-line history) are to
come; until then every run is --size-only.
Figures: bench/results.json (key "widget"; a size-only run keeps the timings already there).`

const DIST = path.join(REPO_ROOT, 'web-widget', 'dist')

/** This benchmark's entry in results.json, to keep what a run does not measure. */
function previousEntry(): Record<string, unknown> {
  if (!existsSync(RESULTS_FILE)) return {}
  try {
    const entry = (JSON.parse(readFileSync(RESULTS_FILE, 'utf8')) as Record<string, unknown>)[
      'widget'
    ]
    return typeof entry === 'object' && entry !== null ? (entry as Record<string, unknown>) : {}
  } catch {
    return {}
  }
}

export async function widgetBenchmark(argv: string[]): Promise<number> {
  const { values: o } = parseArgs({
    args: argv,
    options: {
      'size-only': { type: 'boolean', default: false },
      check: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  })
  if (o.help) {
    process.stdout.write(USAGE + '\n')
    return 0
  }
  await runStep('build web-widget', 'npm', ['run', 'build', '-w', '@fcv/web-widget'], {
    logFile: path.join(BENCH_OUT, 'widget', 'build.log'),
  })
  const sizes = widgetFileSizes(DIST)
  const budget = budgetTarget(sizes)
  process.stdout.write(`\n${sizeTable(sizes)}\n\n${targetLine(budget)}\n`)
  if (!o['size-only']) log('timings: not measured yet (bench/widget/timings.ts is to come)')
  saveResults('widget', {
    ...previousEntry(),
    size: {
      machine: machineInfo(undefined),
      files: sizes,
      budget: { file: SCRIPT_TAG_FILE, gzipBytes: BUDGET_GZIP_BYTES, target: budget },
    },
  })
  return o.check && budget.pass === false ? 1 : 0
}
