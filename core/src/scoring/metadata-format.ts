// The format of model.json's fcv metadata, apart from its schema (metadata.ts) so that the widget's
// path (signed-scorer.ts) reads it without loading zod. The type is the schema's: types cost nothing.

export const SCORING_FORMAT = 'fcv-ziln'
export const SCORING_FORMAT_VERSION = 2
export type { ScoringMetadata } from './metadata.ts'
