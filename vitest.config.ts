import { defineConfig } from 'vitest/config'

// Every workspace with tests has its own vitest.config.ts; one root run covers them all.
export default defineConfig({
  test: {
    projects: ['*/vitest.config.ts'],
  },
})
