import type { Role } from '../db/schema.ts'

/**
 * What each role may do. Admin may do everything; publisher announces candidates and uploads
 * bundles; reporter only writes telemetry; viewer only reads. Reading is open to every role but
 * reporter, whose token sits in edge workers and browsers-facing code paths.
 */
export const CAN = {
  read: ['admin', 'publisher', 'viewer'],
  publish: ['admin', 'publisher'],
  report: ['admin', 'reporter'],
  administer: ['admin'],
} as const satisfies Record<string, readonly Role[]>

export type Permission = keyof typeof CAN
