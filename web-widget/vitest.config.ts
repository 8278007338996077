import { defineProject } from 'vitest/config'

// The widget's logic in a DOM implementation (happy-dom); everything a page sees runs in real
// Chromium in the e2e project (vitest.e2e.config.ts).
export default defineProject({
  test: {
    name: 'web-widget',
    include: ['src/**/*.test.ts', 'build/**/*.test.ts'],
    environment: 'happy-dom',
  },
})
