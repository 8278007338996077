// The period a model is calibrated for, and what `fcv score` does with an as-of outside it: a
// warning, or with --strict-window a refusal. Training sets the model's level (its total) for the
// horizon after the test cutoff (model/level.ts folds its level adjustment into the head),
// so scoring as of another time of year, or long after, gives a forecast whose level was set for
// other days.

import { addDays, formatDay, parseInstant, windowBounds, type ScoringMetadata } from '@fcv/core'
import { ScoreError } from './errors.ts'

/** Half-open [start, end), UTC instants. */
export interface CalibratedWindow {
  start: number
  end: number
  /** Where it comes from, for people. */
  from: string
}

/** What the scoring model says about its calibration (model-source.ts gathers it). */
export interface WindowEvidence {
  metadata: ScoringMetadata
  /** The model's test cutoff (YYYY-MM-DD) and where it was found; null when nothing says. */
  testCutoff: { day: string; from: string } | null
}

/**
 * The window the model is calibrated for: the one its model.json records (every model trained
 * since issue 15 has one), else [test cutoff, test cutoff + horizon) for an older model whose test
 * cutoff a tag or the features report gives, else null.
 */
export function calibratedWindow(model: WindowEvidence): CalibratedWindow | null {
  const recorded = windowBounds(model.metadata.calibratedWindow)
  if (recorded) {
    const adjusted = model.metadata.calibratedWindow?.levelAdjusted ? ', its level adjusted' : ''
    return { ...recorded, from: `recorded in the model${adjusted}` }
  }
  if (!model.testCutoff) return null
  const start = parseInstant(model.testCutoff.day)
  return {
    start,
    end: addDays(start, model.metadata.featureSpec.horizonDays),
    from: `test cutoff ${model.testCutoff.day}, from ${model.testCutoff.from}`,
  }
}

export const describeWindow = (w: CalibratedWindow): string =>
  `[${formatDay(w.start)}, ${formatDay(w.end)})`

export interface WindowCheck {
  /** Whether as-of is in the window; null when the window is unknown. */
  inside: boolean | null
  /** What to tell the user, if anything. */
  warning: string | null
}

/** As-of against the window: a warning when outside or unknown; `strict` refuses either. */
export function checkWindow(
  asOf: number,
  window: CalibratedWindow | null,
  strict: boolean
): WindowCheck {
  const day = new Date(asOf).toISOString()
  if (!window) {
    const why = `the window the model is calibrated for is unknown (no test cutoff recorded for it)`
    if (strict) throw new ScoreError(`--strict-window: ${why}, so as-of ${day} cannot be checked`)
    return { inside: null, warning: `${why}; as-of ${day} is not checked against it` }
  }
  if (asOf >= window.start && asOf < window.end) return { inside: true, warning: null }
  const why =
    `as-of ${day} is outside the window the model is calibrated for, ${describeWindow(window)} ` +
    `(${window.from})`
  if (strict) throw new ScoreError(`--strict-window: ${why}`)
  return {
    inside: false,
    warning:
      `${why}: its level was set for those days, so the forecast's total may be off; score as of ` +
      'a day in it, or with a model trained for this as-of (--strict-window refuses)',
  }
}
