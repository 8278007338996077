export {
  createScorer,
  type FeatureRow,
  type FeatureValues,
  type HistoryItem,
  type HistoryScorer,
  type Prediction,
  type Scorer,
  type ScorerInput,
} from './scorer.ts'
export { createSignedHistoryScorer, createSignedScorer } from './signed-scorer.ts'
export {
  SCORING_FORMAT,
  SCORING_FORMAT_VERSION,
  SCORING_FORMAT_VERSIONS,
} from './metadata-format.ts'
export { stackLogits, type Stack } from './stack.ts'
export {
  EncodingError,
  FeatureEncoder,
  encodeColumns,
  encodeFeatureVectors,
  encodeVectors,
  numericColumn,
  slog1p,
  type CategoricalEncoding,
  type FeatureColumns,
  type FeatureEncoding,
  type NumericEncoding,
} from './encoding.ts'
export {
  DENSE_ACTIVATIONS,
  DenseModel,
  type DenseActivation,
  type ForwardModel,
} from './dense-model.ts'
export { historyBatch, type HistoryBatch } from './histories.ts'
export { loadTfjsModel } from './tfjs-fallback.ts'
export {
  ModelFormatError,
  NoPurchaseBeforeAsOfError,
  ScoringInputError,
  UnsupportedModelError,
} from './errors.ts'
export {
  logCondition,
  maxAbsDiff,
  maxRelDiff,
  predictionParity,
  type PredictionParity,
} from './parity.ts'
export { zilnColumns, zilnPredictRows, zilnVarianceRows, type ZilnColumns } from './head.ts'
export { ScoringMetadataSchema, readScoringMetadata, type ScoringMetadata } from './metadata.ts'
export {
  exactArrayBuffer,
  parseModelJson,
  sliceWeights,
  weightSpecsOf,
  type ModelJsonDocument,
  type WeightSpec,
  type WeightTensor,
  type WeightsGroup,
} from './model-json.ts'
