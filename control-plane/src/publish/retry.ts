import { PublishError } from './publisher.ts'

/**
 * Runs `fn` up to `attempts` times, waiting base, 2x base, 4x base... (with jitter) in between;
 * a refusal (a PublishError the target answered with) ends it at once: the same call would be
 * refused again.
 */
export async function withRetries<T>(
  fn: (attempt: number) => Promise<T>,
  o: { attempts: number; baseMs: number; onRetry?: (attempt: number, error: Error) => void }
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt)
    } catch (e) {
      if (attempt >= o.attempts || (e instanceof PublishError && e.refused)) throw e
      o.onRetry?.(attempt, e as Error)
      const wait = o.baseMs * 2 ** (attempt - 1)
      await new Promise((r) => setTimeout(r, wait / 2 + (Math.random() * wait) / 2))
    }
  }
}
