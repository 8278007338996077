// What scoring throws. UnsupportedModelError is the one the scorer recovers from (the tfjs fallback
// takes over); the others mean the bundle or the request is wrong.

/** The interpreter cannot run this model: a layer class, activation or weight dtype it lacks. */
export class UnsupportedModelError extends Error {
  override name = 'UnsupportedModelError'
  /** What is unsupported, e.g. "layer BatchNormalization" or "activation gelu". */
  readonly unsupported: string

  constructor(unsupported: string, message: string, options?: ErrorOptions) {
    super(message, options)
    this.unsupported = unsupported
  }
}

/** model.json or weights.bin is malformed or inconsistent (no engine can load it). */
export class ModelFormatError extends Error {
  override name = 'ModelFormatError'
}

/** A scoring request is invalid; `field` names the offending input, e.g. "rows[3].features". */
export class ScoringInputError extends Error {
  override name = 'ScoringInputError'
  readonly field: string

  constructor(field: string, message: string, options?: ErrorOptions) {
    super(`${field}: ${message}`, options)
    this.field = field
  }
}

/**
 * A customer with no purchase before asOf: outside the population the model was trained on, so
 * there is nothing to score. A ScoringInputError of its own class, so callers can tell it apart
 * without reading the message.
 */
export class NoPurchaseBeforeAsOfError extends ScoringInputError {
  override name = 'NoPurchaseBeforeAsOfError'
}
