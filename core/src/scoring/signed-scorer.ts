// A scorer for a verified bundle, without zod: what the widget loads. The metadata in model.json is
// not re-checked against ScoringMetadataSchema here: the digest of model.json is in the signed
// manifest, and the control plane signs only a model that createScorer (which does check it) loads
// (control-plane/src/promotion/bundle-builder.ts). The format is still checked, so a model of a
// newer format is refused by name rather than misread.

import type { VerifiedBundle } from '../bundle/verify-signed.ts'
import { ModelFormatError } from './errors.ts'
import { SCORING_FORMAT, SCORING_FORMAT_VERSION, type ScoringMetadata } from './metadata-format.ts'
import { parseModelJson } from './model-json.ts'
import { scorerOf } from './model-scorer.ts'
import type { Scorer } from './scorer.ts'

export async function createSignedScorer(bundle: VerifiedBundle): Promise<Scorer> {
  const doc = parseModelJson(bundle.modelJson)
  const meta = doc.userDefinedMetadata?.['fcv'] as Record<string, unknown> | undefined
  if (typeof meta !== 'object' || meta === null) {
    throw new ModelFormatError('model.json is not an fcv model (no userDefinedMetadata.fcv)')
  }
  if (meta['format'] !== SCORING_FORMAT || meta['formatVersion'] !== SCORING_FORMAT_VERSION) {
    throw new ModelFormatError(
      `model.json userDefinedMetadata.fcv is ${String(meta['format'])} ` +
        `${String(meta['formatVersion'])}; this runtime scores ${SCORING_FORMAT} ${SCORING_FORMAT_VERSION}`
    )
  }
  return scorerOf(doc, meta as unknown as ScoringMetadata, bundle.weights, bundle.manifest.version)
}
