import { defineFeatureSpec, parseInstant, type ScoringMetadata } from '@fcv/core'
import { describe, expect, it } from 'vitest'
import { ScoreError } from './errors.ts'
import { calibratedWindow, checkWindow, type WindowEvidence } from './window.ts'

const spec = defineFeatureSpec({
  horizonDays: 90,
  capDays: 365,
  currencyExponent: 2,
  countryTopK: 5,
})
const model = (testCutoff: WindowEvidence['testCutoff']): WindowEvidence => ({
  metadata: { featureSpec: spec } as unknown as ScoringMetadata,
  testCutoff,
})

describe('calibratedWindow', () => {
  it('is [test cutoff, test cutoff + horizon) when the test cutoff is known, else null', () => {
    const w = calibratedWindow(model({ day: '2011-06-12', from: 'a tag' }))
    expect(w).toEqual({
      start: parseInstant('2011-06-12'),
      end: parseInstant('2011-09-10'),
      from: 'test cutoff 2011-06-12, from a tag',
    })
    expect(calibratedWindow(model(null))).toBeNull()
  })

  it("is the window model.json records when it has one, before any test cutoff's", () => {
    const recorded = {
      metadata: {
        featureSpec: spec,
        calibratedWindow: { from: '2011-03-14', to: '2011-06-12', levelAdjusted: true },
      } as unknown as ScoringMetadata,
      testCutoff: { day: '2011-06-12', from: 'a tag' },
    }
    expect(calibratedWindow(recorded)).toEqual({
      start: parseInstant('2011-03-14'),
      end: parseInstant('2011-06-12'),
      from: 'recorded in the model, its level adjusted',
    })
  })
})

describe('checkWindow', () => {
  const w = calibratedWindow(model({ day: '2011-06-12', from: 'a tag' }))

  it('is quiet inside, half-open: the last instant before the end is inside, the end is not', () => {
    for (const t of ['2011-06-12', '2011-08-01', '2011-09-09T23:59:59.999Z']) {
      expect(checkWindow(parseInstant(t), w, true)).toEqual({ inside: true, warning: null })
    }
    for (const t of ['2011-06-11T23:59:59.999Z', '2011-09-10', '2012-01-01']) {
      const c = checkWindow(parseInstant(t), w, false)
      expect(c.inside).toBe(false)
      expect(c.warning).toMatch(
        /is outside the window the model is calibrated for, \[2011-06-12, 2011-09-10\) \(test cutoff 2011-06-12, from a tag\): .*--strict-window refuses/
      )
    }
  })

  it('warns, or with strict refuses, outside or when the window is unknown', () => {
    const late = parseInstant('2011-12-01')
    expect(() => checkWindow(late, w, true)).toThrow(ScoreError)
    expect(() => checkWindow(late, w, true)).toThrow(
      /^--strict-window: as-of 2011-12-01T00:00:00.000Z is outside/
    )
    expect(checkWindow(late, null, false)).toEqual({
      inside: null,
      warning:
        'the window the model is calibrated for is unknown (no test cutoff recorded for it); ' +
        'as-of 2011-12-01T00:00:00.000Z is not checked against it',
    })
    expect(() => checkWindow(late, null, true)).toThrow(
      /^--strict-window: the window .* is unknown/
    )
  })
})
