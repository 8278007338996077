import { defineProject } from 'vitest/config'

export default defineProject({
  // Lets the kernel's tests import dense-kernel.wasm as `…/dense-kernel.wasm?inline` (a data: URL).
  assetsInclude: ['**/*.wasm'],
  test: { name: 'core', include: ['src/**/*.test.ts'], passWithNoTests: true },
})
