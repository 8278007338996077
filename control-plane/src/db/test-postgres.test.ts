import { afterEach, expect, test, vi } from 'vitest'
import { findPostgresBin, postgresMissingMessage } from './test-postgres.ts'

afterEach(() => {
  vi.unstubAllEnvs()
})

test('without PostgreSQL the message says how to install it, or that CI should have', () => {
  vi.stubEnv('FCV_PG_BINDIR', '/nonexistent')
  expect(findPostgresBin()).toBeUndefined()
  vi.stubEnv('CI', '')
  expect(postgresMissingMessage()).toMatch(/run `bash scripts\/postgres\.sh install`/)
  vi.stubEnv('CI', 'true')
  expect(postgresMissingMessage()).toMatch(/CI .*scripts\/setup\.sh \(fcv_ensure_postgres\)/)
})
