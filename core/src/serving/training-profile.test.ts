import { describe, expect, it } from 'vitest'
import { BundleManifestSchema } from '../bundle/manifest.ts'
import { ScoringMetadataSchema } from '../scoring/metadata.ts'
import { exampleMetadata } from '../scoring/test-models.ts'
import { profileBounds } from './drift.ts'
import { histogramOf, TELEMETRY_BOUNDS } from './telemetry-histogram.ts'
import { profileBoundsOf, type TrainingProfile } from './training-profile.ts'
import { TrainingProfileSchema } from './training-profile-schema.ts'

const spend = [0, 0, 0, 3, 8, 12, 40, 41, 90, 400]
const recency = [1, 5, 9, 30, 31, 60, 90, 200, 300, 365]
const PROFILE: TrainingProfile = {
  cutoff: '2011-06-12',
  rows: 10,
  features: [
    { name: 'spend_90d', ...histogramOf(profileBounds(spend, 4), spend) },
    { name: 'recency_days', ...histogramOf(profileBounds(recency, 4), recency) },
  ],
  predicted: {
    value: histogramOf(TELEMETRY_BOUNDS.expected, spend),
    pBuy: histogramOf(TELEMETRY_BOUNDS.pBuy, [0.1, 0.2, 0.2, 0.5, 0.9, 0.1, 0.3, 0.3, 0.6, 1]),
  },
}

/** The first issue's path and message, as the readers report them. */
function firstIssue(profile: unknown): string {
  const r = TrainingProfileSchema.safeParse(profile)
  if (r.success) return 'accepted'
  const issue = r.error.issues[0]!
  return `${issue.path.join('.')}: ${issue.message}`
}

describe('the training profile schema', () => {
  it('accepts a profile filled by histogramOf', () => {
    expect(TrainingProfileSchema.parse(PROFILE)).toEqual(PROFILE)
  })

  it('refuses a malformed profile, naming the field', () => {
    const feature = PROFILE.features[0]!
    const withFeature = (f: object) => ({ ...PROFILE, features: [{ ...feature, ...f }] })
    expect(firstIssue({ ...PROFILE, cutoff: '12/06/2011' })).toBe(
      'cutoff: must be a day, YYYY-MM-DD'
    )
    expect(firstIssue(withFeature({ bounds: [3, 1, 5] }))).toBe(
      'features.0.bounds.1: bounds must increase'
    )
    expect(firstIssue(withFeature({ counts: [1, 2] }))).toMatch(
      /^features\.0\.counts: must have one more entry than bounds/
    )
    expect(firstIssue(withFeature({ n: 11 }))).toBe('features.0.n: must be the sum of counts (10)')
    expect(firstIssue(withFeature({ extra: 1 }))).toMatch(/^features\.0: /)
    expect(firstIssue({ ...PROFILE, features: [feature, feature] })).toBe(
      'features.1: repeats a feature'
    )
    expect(firstIssue(withFeature({ bounds: Array.from({ length: 16 }, (_, i) => i) }))).toMatch(
      /^features\.0\.bounds: /
    )
    expect(
      firstIssue({ ...PROFILE, predicted: { ...PROFILE.predicted, pBuy: { bounds: [] } } })
    ).toMatch(/^predicted\.pBuy\.counts: /)
  })

  it('is optional in model.json metadata and in a bundle manifest', () => {
    const meta = exampleMetadata()
    expect(ScoringMetadataSchema.parse(meta).profile).toBeUndefined()
    expect(ScoringMetadataSchema.parse({ ...meta, profile: PROFILE }).profile).toEqual(PROFILE)
    const bad = ScoringMetadataSchema.safeParse({ ...meta, profile: { ...PROFILE, rows: -1 } })
    expect(bad.error!.issues[0]!.path).toEqual(['profile', 'rows'])

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
    expect(BundleManifestSchema.parse(manifest).profile).toBeUndefined()
    expect(BundleManifestSchema.parse({ ...manifest, profile: PROFILE }).profile).toEqual(PROFILE)
    const wrong = BundleManifestSchema.safeParse({
      ...manifest,
      profile: { ...PROFILE, predicted: {} },
    })
    expect(wrong.error!.issues[0]!.path).toEqual(['profile', 'predicted', 'value'])
  })

  it('gives its bounds by feature name', () => {
    expect(profileBoundsOf({})).toBeNull()
    expect(Object.fromEntries(profileBoundsOf({ profile: PROFILE })!)).toEqual({
      spend_90d: [0, 8, 41],
      recency_days: [9, 31, 200],
    })
  })
})
