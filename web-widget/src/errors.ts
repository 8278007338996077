// Every failure the widget reports, by a stable code a page can switch on (fcv:error's detail.code),
// with a message that names the field or the reason.

export type WidgetErrorCode =
  /** bundle-url or trusted-keys missing or unusable. */
  | 'config'
  /** The history is not valid (detail.field names the value). */
  | 'invalid_history'
  /** The customer has no purchase before asOf: outside the model's population, nothing to score. */
  | 'no_purchase_before_as_of'
  /** The bundle could not be fetched and none is cached. */
  | 'bundle_unreachable'
  /** The bundle is larger than the widget accepts (max-bundle-bytes). */
  | 'bundle_too_large'
  /** The bundle failed verification: signature, key, digest or shape (detail.reason says which). */
  | 'bundle_refused'
  /** The model is of a feature spec or format this widget does not compute. */
  | 'unsupported_model'
  /** Anything else. */
  | 'error'

export class WidgetError extends Error {
  override name = 'WidgetError'
  readonly code: WidgetErrorCode
  /** The input field at fault (invalid_history), e.g. "transactions[3].timestamp". */
  readonly field: string | undefined
  /** A finer reason, e.g. the bundle verifier's code ("bad-signature", "unknown-key"). */
  readonly reason: string | undefined

  constructor(
    code: WidgetErrorCode,
    message: string,
    options: { field?: string; reason?: string; cause?: unknown } = {}
  ) {
    super(message, { cause: options.cause })
    this.code = code
    this.field = options.field
    this.reason = options.reason
  }
}

/** What fcv:error carries. */
export interface WidgetErrorDetail {
  code: WidgetErrorCode
  message: string
  field?: string
  reason?: string
}

export function errorDetail(e: unknown): WidgetErrorDetail {
  if (e instanceof WidgetError) {
    return {
      code: e.code,
      message: e.message,
      ...(e.field === undefined ? {} : { field: e.field }),
      ...(e.reason === undefined ? {} : { reason: e.reason }),
    }
  }
  return { code: 'error', message: e instanceof Error ? e.message : String(e) }
}
