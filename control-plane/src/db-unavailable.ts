/**
 * Whether an error means the database cannot be reached right now (refused or dropped connection,
 * server shutting down or starting): answered as 503, retryable, instead of a 500. drizzle wraps
 * driver errors, so the whole cause chain is looked at.
 */
export function isDatabaseUnavailable(e: unknown): boolean {
  for (let cur = e, depth = 0; cur && depth < 6; depth++) {
    const err = cur as { code?: unknown; message?: unknown; cause?: unknown }
    const code = typeof err.code === 'string' ? err.code : ''
    if (
      ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', '57P01', '57P02', '57P03'].includes(code)
    )
      return true
    if (code.startsWith('08')) return true // SQLSTATE class 08: connection exception
    const message = typeof err.message === 'string' ? err.message : ''
    if (
      /Connection terminated|connection to server .* failed|timeout exceeded when trying to connect/i.test(
        message
      )
    )
      return true
    cur = err.cause
  }
  return false
}
