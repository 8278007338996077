import { describe, expect, it } from 'vitest'
import { BundleManifestSchema } from '../bundle/manifest.ts'
import { ScoringMetadataSchema } from '../scoring/metadata.ts'
import { exampleMetadata } from '../scoring/test-models.ts'
import {
  AS_OF_OUTSIDE_CALIBRATED_WINDOW,
  asOfInWindow,
  calibratedWindowFromTags,
  calibratedWindowOf,
  calibratedWindowTags,
  windowEnded,
  windowOf,
  windowWarnings,
  type CalibratedWindow,
} from './calibrated-window.ts'
import { CalibratedWindowSchema } from './calibrated-window-schema.ts'

const W: CalibratedWindow = { from: '2011-06-12', to: '2011-09-10', levelAdjusted: true }
const at = (iso: string) => Date.parse(iso)

describe('the calibrated window', () => {
  it('runs from the cutoff for the horizon, the end exclusive', () => {
    expect(calibratedWindowOf('2011-06-12', 90, true)).toEqual(W)
    expect(calibratedWindowOf('2024-02-01', 30, false)).toEqual({
      from: '2024-02-01',
      to: '2024-03-02',
      levelAdjusted: false,
    })
  })

  it('holds asOf in [from, to), UTC days; a model without a window holds nothing and says so', () => {
    expect(asOfInWindow(W, at('2011-06-12T00:00:00Z'))).toBe(true)
    expect(asOfInWindow(W, at('2011-09-09T23:59:59.999Z'))).toBe(true)
    expect(asOfInWindow(W, at('2011-09-10T00:00:00Z'))).toBe(false)
    expect(asOfInWindow(W, at('2011-06-11T23:59:59.999Z'))).toBe(false)
    expect(asOfInWindow(null, at('2011-06-12T00:00:00Z'))).toBeNull()
  })

  it('has ended once its `to` day has begun', () => {
    expect(windowEnded(W, at('2011-09-09T23:59:59Z'))).toBe(false)
    expect(windowEnded(W, at('2011-09-10T00:00:00Z'))).toBe(true)
    expect(windowEnded(null, Date.now())).toBe(false)
  })

  it('warns once per model whose window does not hold asOf, naming the version and the window', () => {
    const models = [
      { version: '7', window: W },
      { version: '8', window: { from: '2011-09-10', to: '2011-12-09', levelAdjusted: false } },
      { version: '3', window: null },
    ]
    expect(windowWarnings(models, at('2011-07-01T00:00:00Z'))).toEqual([
      {
        code: AS_OF_OUTSIDE_CALIBRATED_WINDOW,
        modelVersion: '8',
        calibratedWindow: models[1]!.window,
        message: expect.stringContaining(
          'asOf 2011-07-01T00:00:00.000Z is outside the window model version 8 is calibrated for, [2011-09-10, 2011-12-09)'
        ),
      },
    ])
    expect(windowWarnings(models, at('2011-09-10T00:00:00Z')).map((w) => w.modelVersion)).toEqual([
      '7',
    ])
    expect(windowWarnings(models, at('2026-01-01T00:00:00Z')).map((w) => w.modelVersion)).toEqual([
      '7',
      '8',
    ])
  })

  it('is read from a manifest as it is signed; none, or one not well formed, is no window', () => {
    expect(windowOf({ calibratedWindow: { ...W, extra: 1 } })).toEqual(W)
    expect(windowOf({})).toBeNull()
    for (const bad of [
      null,
      'x',
      { from: '2011-06-12', to: '2011-09-10' },
      { from: '2011-06-31', to: '2011-09-10', levelAdjusted: true },
      { from: '2011-09-10', to: '2011-09-10', levelAdjusted: true },
      { from: '2011-06-12T00:00:00Z', to: '2011-09-10', levelAdjusted: true },
    ]) {
      expect(windowOf({ calibratedWindow: bad }), JSON.stringify(bad)).toBeNull()
    }
  })

  it('goes through version tags and back', () => {
    const tags = Object.fromEntries(calibratedWindowTags(W).map((t) => [t.key, t.value]))
    expect(tags).toEqual({
      'fcv.calibrated_window.from': '2011-06-12',
      'fcv.calibrated_window.to': '2011-09-10',
      'fcv.calibrated_window.level_adjusted': 'true',
    })
    expect(calibratedWindowFromTags(tags)).toEqual(W)
    expect(calibratedWindowFromTags({})).toBeNull()
    expect(
      calibratedWindowFromTags({ ...tags, 'fcv.calibrated_window.level_adjusted': 'yes' })
    ).toBeNull()
  })
})

describe('the calibrated window in the schemas', () => {
  it('is optional in model.json metadata and refused there when malformed, naming the field', () => {
    const meta = exampleMetadata()
    expect(ScoringMetadataSchema.parse(meta).calibratedWindow).toBeUndefined()
    expect(ScoringMetadataSchema.parse({ ...meta, calibratedWindow: W }).calibratedWindow).toEqual(
      W
    )
    const bad = ScoringMetadataSchema.safeParse({
      ...meta,
      calibratedWindow: { from: '2011-09-10', to: '2011-06-12', levelAdjusted: true },
    })
    expect(bad.success).toBe(false)
    expect(bad.error!.issues[0]!.path).toEqual(['calibratedWindow'])
    expect(CalibratedWindowSchema.safeParse({ ...W, to: '10/09/2011' }).success).toBe(false)
  })

  it('is optional in a bundle manifest', () => {
    const manifest = {
      format: 'fcv-bundle',
      formatVersion: 1,
      name: 'm',
      version: '1',
      created: '2011-06-12T00:00:00Z',
      horizonDays: 90,
      currency: 'GBP',
      featureSpec: { version: 'v2' },
      normalisation: {},
      model: { format: 'fcv-ziln', formatVersion: 2 },
      files: {
        'model.json': { sha256: 'a'.repeat(64), size: 1 },
        'weights.bin': { sha256: 'b'.repeat(64), size: 1 },
      },
      metrics: {},
      mlflow: { runId: 'r', modelVersion: '1' },
    }
    const parse = (m: object) => BundleManifestSchema.safeParse(m)
    expect(parse(manifest).success, JSON.stringify(parse(manifest).error)).toBe(true)
    expect(parse({ ...manifest, calibratedWindow: W }).data?.calibratedWindow).toEqual(W)
    expect(parse({ ...manifest, calibratedWindow: { ...W, from: 'x' } }).success).toBe(false)
  })
})
