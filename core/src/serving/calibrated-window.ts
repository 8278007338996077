// The period a model is calibrated for. `fcv train` fits the model at a test cutoff t0 and sets its
// total for the horizon after it (trainer/src/model/level.ts folds a level adjustment into the head),
// and the BG/NBD x Gamma-Gamma fit behind btyd_value is the one at t0: the model is made for
// predictions as of a date in [t0, t0 + horizon). The trainer records that window in model.json
// (userDefinedMetadata.fcv.calibratedWindow), `fcv register` as version tags, and the control plane
// copies it into the signed manifest. Serving flags rather than recalibrates: a prediction whose
// asOf is outside the window still comes back, with a warning naming the window (a recalibration
// would need the store's recent spend, which the edge and the page do not have). The control plane
// refuses to promote a model whose window has ended, unless forced. Models trained before windows
// were recorded have none: nothing is flagged or refused for them. No zod here: the widget uses it.

import { isRecord } from '../is-record.ts'
import { DAY_MS, formatDay, parseInstant, type Instant } from '../time.ts'

/** Days are UTC calendar days; the window is half-open [from, to). */
export interface CalibratedWindow {
  /** The test cutoff the model was fitted at, YYYY-MM-DD. */
  from: string
  /** The cutoff plus the horizon, YYYY-MM-DD, exclusive: the first day the window no longer holds. */
  to: string
  /** Whether a level adjustment for this window is folded into the model (level.ts applied one). */
  levelAdjusted: boolean
}

/** The window of a model fitted at `cutoff` (YYYY-MM-DD) for a horizon of `horizonDays`. */
export function calibratedWindowOf(
  cutoff: string,
  horizonDays: number,
  levelAdjusted: boolean
): CalibratedWindow {
  const t0 = parseInstant(cutoff)
  return { from: formatDay(t0), to: formatDay(t0 + horizonDays * DAY_MS), levelAdjusted }
}

const DAY = /^\d{4}-\d{2}-\d{2}$/

function dayStart(day: unknown): Instant | null {
  if (typeof day !== 'string' || !DAY.test(day)) return null
  try {
    return parseInstant(day)
  } catch {
    return null
  }
}

/** The window's bounds as instants, or null when it is not a well-formed window. */
export function windowBounds(w: unknown): { start: Instant; end: Instant } | null {
  if (!isRecord(w) || typeof w['levelAdjusted'] !== 'boolean') return null
  const start = dayStart(w['from'])
  const end = dayStart(w['to'])
  return start !== null && end !== null && start < end ? { start, end } : null
}

/**
 * A bundle manifest's window (the control plane copies it from model.json), or null: a bundle of a
 * model trained before windows were recorded has none, and one that is not well formed counts as none.
 */
export function windowOf(manifest: { calibratedWindow?: unknown }): CalibratedWindow | null {
  const w = manifest.calibratedWindow
  if (!windowBounds(w)) return null
  const { from, to, levelAdjusted } = w as CalibratedWindow
  return { from, to, levelAdjusted }
}

/** Whether asOf (epoch ms) is in [from, to); null for a model without a window. */
export function asOfInWindow(w: CalibratedWindow | null, asOf: Instant): boolean | null {
  const b = windowBounds(w)
  return b ? asOf >= b.start && asOf < b.end : null
}

/** Whether the window has ended at `now`: its `to` day has begun. False without a window. */
export function windowEnded(w: CalibratedWindow | null, now: Instant): boolean {
  const b = windowBounds(w)
  return b !== null && now >= b.end
}

export const AS_OF_OUTSIDE_CALIBRATED_WINDOW = 'as_of_outside_calibrated_window'

/** A top-level warning of a POST /v1/predict answer (and of the widget's score()). */
export interface PredictWarning {
  code: typeof AS_OF_OUTSIDE_CALIBRATED_WINDOW
  /** The model version whose predictions it is about (each prediction names its modelVersion). */
  modelVersion: string
  calibratedWindow: CalibratedWindow
  message: string
}

/**
 * The warnings of an answer scored at asOf by these models (the champion, and the canary when it
 * served anyone), in the order given: one for each whose window does not hold asOf.
 */
export function windowWarnings(
  models: readonly { version: string; window: CalibratedWindow | null }[],
  asOf: Instant
): PredictWarning[] {
  const out: PredictWarning[] = []
  for (const { version, window } of models) {
    if (window === null || asOfInWindow(window, asOf) !== false) continue
    const at = new Date(asOf).toISOString()
    out.push({
      code: AS_OF_OUTSIDE_CALIBRATED_WINDOW,
      modelVersion: version,
      calibratedWindow: window,
      message:
        `asOf ${at} is outside the window model version ${version} is calibrated for, ` +
        `[${window.from}, ${window.to}): it was ${window.levelAdjusted ? 'levelled' : 'fitted'} ` +
        'for predictions as of those days, so its predictions as of other days may be too high or too low',
    })
  }
  return out
}

/** The model-version tags `fcv register` writes the window as; the control plane's gate reads them. */
export const CALIBRATED_WINDOW_TAGS = {
  from: 'fcv.calibrated_window.from',
  to: 'fcv.calibrated_window.to',
  levelAdjusted: 'fcv.calibrated_window.level_adjusted',
} as const

export function calibratedWindowTags(w: CalibratedWindow): { key: string; value: string }[] {
  return [
    { key: CALIBRATED_WINDOW_TAGS.from, value: w.from },
    { key: CALIBRATED_WINDOW_TAGS.to, value: w.to },
    { key: CALIBRATED_WINDOW_TAGS.levelAdjusted, value: String(w.levelAdjusted) },
  ]
}

/** The window in a version's tags, or null (none recorded, or not well formed). */
export function calibratedWindowFromTags(tags: Record<string, string>): CalibratedWindow | null {
  const adjusted = tags[CALIBRATED_WINDOW_TAGS.levelAdjusted]
  return windowOf({
    calibratedWindow: {
      from: tags[CALIBRATED_WINDOW_TAGS.from],
      to: tags[CALIBRATED_WINDOW_TAGS.to],
      levelAdjusted: adjusted === 'true' ? true : adjusted === 'false' ? false : undefined,
    },
  })
}
