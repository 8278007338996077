import type { Context } from 'hono'
import type { AppEnv } from './app-env.ts'

export interface BackgroundContext {
  waitUntil(promise: Promise<unknown>): void
}

/** Work after the response; hono throws when a request came without an ExecutionContext (app.request in a test). */
export function backgroundOf(c: Context<AppEnv>): BackgroundContext {
  try {
    return c.executionCtx
  } catch {
    return { waitUntil: (p) => void p.catch(() => {}) }
  }
}
