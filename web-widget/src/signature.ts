// Ed25519 for the bundle's signature: WebCrypto's where the browser has it (Chromium 137+, Firefox
// 129+, Safari 17+), else @noble/ed25519 (audited, no dependencies), imported only then, so the
// script-tag file never carries it.

import { base64ToBytes, webCryptoSignatureCheck, type SignatureCheck } from '@fcv/core'

let webCrypto: Promise<boolean> | undefined

/** Whether this browser's WebCrypto verifies Ed25519 (asked once per page). */
function hasWebCryptoEd25519(key: string): Promise<boolean> {
  webCrypto ??= crypto.subtle
    .importKey('raw', base64ToBytes(key), { name: 'Ed25519' }, false, ['verify'])
    .then(
      () => true,
      () => false
    )
  return webCrypto
}

export const signatureCheck: SignatureCheck = async (key, signature, data) => {
  if (typeof key !== 'string' || (await hasWebCryptoEd25519(key))) {
    return webCryptoSignatureCheck(key, signature, data)
  }
  const noble = await import('@noble/ed25519')
  return noble.verifyAsync(signature, data, base64ToBytes(key))
}
