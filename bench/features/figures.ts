// Figures of one input from its timed runs: medians of wall clock and CPU time, peak RSS, then the
// summary-table rows and the input's entry in results.json.

import path from 'node:path'
import { REPO_ROOT, cpuSeconds, fmtMb, mb, type Rusage } from '../common.ts'
import type { AgreementResult } from '../agreement/index.ts'
import type { Input } from './inputs.ts'
import type { RunFigures } from './timed-run.ts'

export interface InputFigures {
  fcvIngestS: number
  fcvFeaturesS: number
  fcvTotalS: number
  fcvIngestPeakKb: number
  fcvFeaturesPeakKb: number
  fcvPeakKb: number
  fcvIngestCpuS: number
  fcvFeaturesCpuS: number
  fcvCpuS: number
  pandasTotalS: number
  /** Timed inside the Python process, without interpreter start and imports. */
  pandasIngestS: number
  pandasFeaturesS: number
  pandasPeakKb: number
  pandasCpuS: number
  speedup: number
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2
}

/** Wall clock and CPU time: medians over the runs; peak RSS: max over the runs (NaN if unknown). */
export function summarise(figures: readonly RunFigures[]): InputFigures {
  const medianOf = (pick: (f: RunFigures) => number) => median(figures.map(pick))
  const rss = (pick: (f: RunFigures) => Rusage | null) =>
    Math.max(...figures.map((f) => pick(f)?.maxRssKb ?? Number.NaN))
  const phase = (f: RunFigures, names: string[]) => {
    const p = (f.pandas.rusage?.['phasesMs'] ?? {}) as Record<string, number>
    return names.reduce((s, n) => s + (p[n] ?? Number.NaN), 0) / 1000
  }
  const fcvTotalS = medianOf((f) => f.fcvIngest.wallS + f.fcvFeatures.wallS)
  const pandasTotalS = medianOf((f) => f.pandas.wallS)
  const fcvIngestPeakKb = rss((f) => f.fcvIngest.rusage)
  const fcvFeaturesPeakKb = rss((f) => f.fcvFeatures.rusage)
  return {
    fcvIngestS: medianOf((f) => f.fcvIngest.wallS),
    fcvFeaturesS: medianOf((f) => f.fcvFeatures.wallS),
    fcvTotalS,
    fcvIngestPeakKb,
    fcvFeaturesPeakKb,
    fcvPeakKb: Math.max(fcvIngestPeakKb, fcvFeaturesPeakKb),
    fcvIngestCpuS: medianOf((f) => cpuSeconds(f.fcvIngest.rusage)),
    fcvFeaturesCpuS: medianOf((f) => cpuSeconds(f.fcvFeatures.rusage)),
    fcvCpuS: medianOf((f) => cpuSeconds(f.fcvIngest.rusage) + cpuSeconds(f.fcvFeatures.rusage)),
    pandasTotalS,
    pandasIngestS: medianOf((f) => phase(f, ['read', 'clean', 'write_clean'])),
    pandasFeaturesS: medianOf((f) => phase(f, ['features', 'write_features'])),
    pandasPeakKb: rss((f) => f.pandas.rusage),
    pandasCpuS: medianOf((f) => cpuSeconds(f.pandas.rusage)),
    speedup: pandasTotalS / fcvTotalS,
  }
}

/** The input's rows of the summary table: input, rows, step, wall s, peak RSS MB, CPU s. */
export function stepRows(input: Input, cutoffs: number, s: InputFigures): string[][] {
  const row = (step: string, wallS: string, peakKb?: number, cpuS?: number) => [
    input.id,
    input.rows.toLocaleString('en'),
    step,
    wallS,
    peakKb === undefined ? '' : fmtMb(peakKb),
    cpuS === undefined ? '' : cpuS.toFixed(2),
  ]
  return [
    row('fcv ingest', s.fcvIngestS.toFixed(2), s.fcvIngestPeakKb, s.fcvIngestCpuS),
    row(
      `fcv features (${cutoffs} cutoffs)`,
      s.fcvFeaturesS.toFixed(2),
      s.fcvFeaturesPeakKb,
      s.fcvFeaturesCpuS
    ),
    row('fcv end to end', s.fcvTotalS.toFixed(2), s.fcvPeakKb, s.fcvCpuS),
    row('pandas read+clean+write', s.pandasIngestS.toFixed(2)),
    row('pandas features+write', s.pandasFeaturesS.toFixed(2)),
    row('pandas end to end', s.pandasTotalS.toFixed(2), s.pandasPeakKb, s.pandasCpuS),
    row('speedup fcv vs pandas', `${s.speedup.toFixed(2)}x`),
  ]
}

/** The input's entry under `inputs` in results.json. */
export function inputEntry(
  input: Input,
  o: { cutoffs: number; runs: number },
  figures: RunFigures[],
  s: InputFigures,
  agreement: AgreementResult
): Record<string, unknown> {
  return {
    input: input.id,
    kind: input.kind,
    file: path.relative(REPO_ROOT, input.file),
    rows: input.rows,
    testCutoff: input.testCutoff,
    cutoffs: o.cutoffs,
    generation: input.generation ?? null,
    runs: o.runs,
    fcv: {
      ingestWallS: s.fcvIngestS,
      featuresWallS: s.fcvFeaturesS,
      totalWallS: s.fcvTotalS,
      peakRssMb: mb(s.fcvPeakKb),
      ingestPeakRssMb: mb(s.fcvIngestPeakKb),
      featuresPeakRssMb: mb(s.fcvFeaturesPeakKb),
      cpuS: s.fcvCpuS,
    },
    pandas: {
      totalWallS: s.pandasTotalS,
      ingestPhasesS: s.pandasIngestS,
      featuresPhasesS: s.pandasFeaturesS,
      peakRssMb: mb(s.pandasPeakKb),
      cpuS: s.pandasCpuS,
      phasesMs: figures.at(-1)?.pandas.rusage?.['phasesMs'] ?? null,
      clean: figures.at(-1)?.pandas.rusage?.['clean'] ?? null,
    },
    speedup: s.speedup,
    rawRuns: figures,
    agreement,
  }
}
