import { cloudflareTest } from '@cloudflare/vitest-pool-workers'
import { defineProject } from 'vitest/config'

// Tests run inside workerd (the vitest pool from @cloudflare/vitest-pool-workers 0.23.0, matched
// to wrangler 4.124.0) with the bindings of the root wrangler.toml's top level.
export default defineProject({
  plugins: [cloudflareTest({ wrangler: { configPath: '../wrangler.toml' } })],
  // Lets tests import the control plane's fixture weights as `…/weights.bin?inline` (a data: URL).
  assetsInclude: ['**/*.bin'],
  test: { name: 'edge-worker', include: ['test/**/*.test.ts'] },
})
