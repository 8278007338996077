// A scorer for a verified bundle, without zod: what the widget loads. The metadata in model.json is
// not re-checked against ScoringMetadataSchema here: the digest of model.json is in the signed
// manifest, and the control plane signs only a model that createScorer (which does check it) loads
// (control-plane/src/promotion/bundle-builder.ts). The format is still checked, so a model of a
// newer format is refused by name rather than misread.

import type { VerifiedBundle } from '../bundle/verify-signed.ts'
import { ModelFormatError } from './errors.ts'
import { SCORING_FORMAT, SCORING_FORMAT_VERSIONS, type ScoringMetadata } from './metadata-format.ts'
import { parseModelJson } from './model-json.ts'
import { FeatureScorer } from './feature-scorer.ts'
import { loadScorerParts, ModelScorer, type ScorerParts } from './model-scorer.ts'
import type { HistoryScorer, Scorer } from './scorer.ts'

export async function createSignedScorer(bundle: VerifiedBundle): Promise<Scorer> {
  return new FeatureScorer(await signedParts(bundle))
}

/** createSignedScorer without scoreFeatures, so a bundler can leave that code out. */
export async function createSignedHistoryScorer(bundle: VerifiedBundle): Promise<HistoryScorer> {
  return new ModelScorer(await signedParts(bundle))
}

async function signedParts(bundle: VerifiedBundle): Promise<ScorerParts> {
  const doc = parseModelJson(bundle.modelJson)
  const meta = doc.userDefinedMetadata?.['fcv'] as Record<string, unknown> | undefined
  if (typeof meta !== 'object' || meta === null) {
    throw new ModelFormatError('model.json is not an fcv model (no userDefinedMetadata.fcv)')
  }
  if (
    meta['format'] !== SCORING_FORMAT ||
    !SCORING_FORMAT_VERSIONS.includes(meta['formatVersion'] as number)
  ) {
    throw new ModelFormatError(
      `model.json userDefinedMetadata.fcv is ${String(meta['format'])} ` +
        `${String(meta['formatVersion'])}; this runtime scores ${SCORING_FORMAT} ${SCORING_FORMAT_VERSIONS.join(' and ')}`
    )
  }
  const metadata = meta as unknown as ScoringMetadata
  return loadScorerParts(doc, metadata, bundle.weights, bundle.manifest.version)
}
