// The format of model.json's fcv metadata, apart from its schema (metadata.ts) so that the widget's
// path (signed-scorer.ts) reads it without loading zod. The type is the schema's: types cost nothing.

export const SCORING_FORMAT = 'fcv-ziln'
/** The version the trainer writes: 3 may carry a stack (stack.ts), which version 2 runtimes ignore. */
export const SCORING_FORMAT_VERSION = 3
/** The versions this runtime scores. */
export const SCORING_FORMAT_VERSIONS: readonly number[] = [2, 3]
export type { ScoringMetadata } from './metadata.ts'
