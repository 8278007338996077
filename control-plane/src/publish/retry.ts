/** An error that another attempt cannot fix (the target refused what was sent, e.g. HTTP 422). */
export class PermanentError extends Error {
  override name = 'PermanentError'
}

/**
 * Runs `fn` up to `attempts` times, waiting base, 2x base, 4x base... (with jitter) in between;
 * a PermanentError (or one whose cause is) ends it at once.
 */
export async function withRetries<T>(
  fn: (attempt: number) => Promise<T>,
  o: { attempts: number; baseMs: number; onRetry?: (attempt: number, error: Error) => void }
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt)
    } catch (e) {
      if (attempt >= o.attempts || isPermanent(e)) throw e
      o.onRetry?.(attempt, e as Error)
      const wait = o.baseMs * 2 ** (attempt - 1)
      await new Promise((r) => setTimeout(r, wait / 2 + (Math.random() * wait) / 2))
    }
  }
}

function isPermanent(e: unknown): boolean {
  return e instanceof PermanentError || (e instanceof Error && e.cause instanceof PermanentError)
}
