// Types for what the vitest pool and Vite provide inside tests. The pool's own declarations
// (@cloudflare/vitest-pool-workers/types) need @cloudflare/workers-types as globals, which clash
// with the DOM lib that core is typed against (see ../tsconfig.json); these are the parts used.

declare module 'cloudflare:workers' {
  import type { Env } from '../src/env.ts'
  /** The bindings from wrangler.toml (top level). */
  export const env: Env
  /** The main module's exports, bound to the test worker. */
  export const exports: {
    default: { fetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> }
  }
}

declare module 'cloudflare:test' {
  import type { ExecutionContext } from '@cloudflare/workers-types'
  export function createExecutionContext(): ExecutionContext
  export function waitOnExecutionContext(ctx: ExecutionContext): Promise<void>
}

declare module '*?raw' {
  const text: string
  export default text
}

/** A data: URL with the file's bytes in base64 (vite's ?inline; .bin is listed in assetsInclude). */
declare module '*?inline' {
  const url: string
  export default url
}
