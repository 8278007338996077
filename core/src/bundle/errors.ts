import type { z } from 'zod'

export type BundleVerificationCode =
  | 'malformed'
  | 'unsupported-format'
  | 'unknown-key'
  | 'bad-signature'
  | 'missing-file'
  | 'size-mismatch'
  | 'digest-mismatch'

/**
 * A bundle that must not be loaded. `code` says what kind of failure it was (for metrics and for
 * deciding whether to keep the last good bundle); the message names the field or file.
 */
export class BundleVerificationError extends Error {
  override name = 'BundleVerificationError'
  readonly code: BundleVerificationCode
  constructor(code: BundleVerificationCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
  }
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/

/** `manifest.files["model.json"].sha256: must be 64 lowercase hex characters; …` (first few issues). */
export function describeIssues(error: z.ZodError, max = 5): string {
  const lines = error.issues.slice(0, max).map((issue) => {
    const path = issue.path
      .map((part, i) =>
        typeof part === 'number'
          ? `[${part}]`
          : typeof part === 'string' && IDENTIFIER.test(part)
            ? `${i === 0 ? '' : '.'}${part}`
            : `[${JSON.stringify(String(part))}]`
      )
      .join('')
    return `${path || '(document)'}: ${issue.message}`
  })
  const more = error.issues.length - lines.length
  return lines.join('; ') + (more > 0 ? `; and ${more} more` : '')
}
