import { describe, expect, it } from 'vitest'
import { base64ToBytes, bytesToBase64, sha256Hex } from './encoding.ts'
import { generateSigningKey, importSigningKey, importVerifyKey, keyIdOf } from './keys.ts'

// node:crypto is the independent implementation the interop checks compare against. core is
// type-checked without Node's types (a `/// <reference types="node" />` would make Buffer and
// friends type-check in all of core), so the few functions used are typed here and the module is
// loaded through a string the compiler does not resolve.
interface NodeKeyObject {
  export(options: { format: 'pem'; type: 'pkcs8' }): string
  export(options: { format: 'der'; type: 'spki' }): Uint8Array
  export(options: { format: 'jwk' }): JsonWebKey
}
interface NodeCrypto {
  generateKeyPairSync(
    type: 'ed25519' | 'rsa',
    options?: { modulusLength: number }
  ): { privateKey: NodeKeyObject; publicKey: NodeKeyObject }
  createPublicKey(key: NodeKeyObject | { key: JsonWebKey; format: 'jwk' }): NodeKeyObject
  createPrivateKey(key: { key: Uint8Array; format: 'der'; type: 'pkcs8' }): NodeKeyObject
  verify(algorithm: null, data: Uint8Array, key: NodeKeyObject, signature: Uint8Array): boolean
}
const NODE_CRYPTO: string = 'node:crypto'
const { generateKeyPairSync, createPublicKey, createPrivateKey, verify } = (await import(
  NODE_CRYPTO
)) as NodeCrypto

function base64Url(base64: string): string {
  return base64.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

function pem(pkcs8Base64: string): string {
  const lines = pkcs8Base64.match(/.{1,64}/g) ?? []
  return ['-----BEGIN PRIVATE KEY-----', ...lines, '-----END PRIVATE KEY-----', ''].join('\n')
}

describe('signing keys', () => {
  it('derives the same key id and public key from base64 PKCS#8 and from PEM', async () => {
    const generated = await generateSigningKey()
    expect(generated.keyId).toMatch(/^[0-9a-f]{16}$/)
    expect(base64ToBytes(generated.publicKey)).toHaveLength(32)
    expect(generated.keyId).toBe(await keyIdOf(base64ToBytes(generated.publicKey)))
    expect(generated.keyId).toBe((await sha256Hex(base64ToBytes(generated.publicKey))).slice(0, 16))

    const fromBase64 = await importSigningKey(generated.privateKeyPkcs8)
    const fromPem = await importSigningKey(pem(generated.privateKeyPkcs8))
    const fromOneLine = await importSigningKey(pem(generated.privateKeyPkcs8).replace(/\n/g, '\\n'))
    for (const imported of [fromBase64, fromPem, fromOneLine]) {
      expect(imported.keyId).toBe(generated.keyId)
      expect(imported.publicKey).toBe(generated.publicKey)
      expect(imported.key.extractable).toBe(false)
      expect(imported.key.usages).toEqual(['sign'])
    }
  })

  it('imports a key written by node:crypto (as openssl genpkey writes it)', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519')
    const written = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString()
    const imported = await importSigningKey(written)
    const raw = new Uint8Array(publicKey.export({ format: 'der', type: 'spki' })).slice(-32)
    expect(imported.publicKey).toBe(bytesToBase64(raw))
  })

  it('rejects what is not an Ed25519 PKCS#8 private key, saying why', async () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 })
      .privateKey.export({ format: 'pem', type: 'pkcs8' })
      .toString()
    await expect(importSigningKey(rsa)).rejects.toThrow('not an Ed25519 PKCS#8 private key')
    const ec = '-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----'
    await expect(importSigningKey(ec)).rejects.toThrow('got "EC PRIVATE KEY"')
    await expect(importSigningKey('-----BEGIN PRIVATE KEY-----\nAAAA')).rejects.toThrow(
      'unterminated PEM'
    )
    await expect(importSigningKey('not a key')).rejects.toThrow('not base64 PKCS#8')
  })

  it('imports a verify key from the base64 raw public key', async () => {
    const { publicKey } = await generateSigningKey()
    const key = await importVerifyKey(publicKey)
    expect(key.algorithm.name).toBe('Ed25519')
    expect(key.usages).toEqual(['verify'])
    await expect(importVerifyKey(bytesToBase64(new Uint8Array(31)))).rejects.toThrow(
      'is 32 bytes, got 31'
    )
    await expect(importVerifyKey('%%')).rejects.toThrow('not base64')
  })

  it('signs standard Ed25519: node:crypto verifies a WebCrypto signature', async () => {
    const generated = await generateSigningKey()
    const { key } = await importSigningKey(generated.privateKeyPkcs8)
    const data = new TextEncoder().encode('{"a":1}')
    const signature = new Uint8Array(await crypto.subtle.sign('Ed25519', key, data))
    const nodePublic = createPublicKey({
      key: {
        kty: 'OKP',
        crv: 'Ed25519',
        x: base64Url(generated.publicKey),
      },
      format: 'jwk',
    })
    expect(verify(null, data, nodePublic, signature)).toBe(true)
    // And the public key node derives from our private key is the one we report.
    const nodePrivate = createPrivateKey({
      key: base64ToBytes(generated.privateKeyPkcs8),
      format: 'der',
      type: 'pkcs8',
    })
    expect(createPublicKey(nodePrivate).export({ format: 'jwk' }).x).toBe(
      base64Url(generated.publicKey)
    )
  })
})
