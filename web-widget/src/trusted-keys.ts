// The trusted-keys attribute: "<keyId>:<base64 public key>", several separated by commas or spaces,
// from the control plane's GET /v1/signing-keys ({keyId: publicKey}).

import type { TrustedKeys } from '@fcv/core'
import { WidgetError } from './errors.ts'

const ENTRY = /^([A-Za-z0-9._-]{1,64}):([A-Za-z0-9+/]{43}=)$/

export function parseTrustedKeys(text: string | null | undefined): TrustedKeys {
  const keys: TrustedKeys = {}
  for (const entry of (text ?? '').split(/[\s,]+/).filter(Boolean)) {
    const match = ENTRY.exec(entry)
    if (!match) {
      throw new WidgetError(
        'config',
        `trusted-keys: "${entry.slice(0, 80)}" is not <keyId>:<base64 of a 32-byte Ed25519 public key>`
      )
    }
    keys[match[1]!] = match[2]!
  }
  if (Object.keys(keys).length === 0) {
    throw new WidgetError('config', 'trusted-keys: give at least one <keyId>:<public key>')
  }
  return keys
}
