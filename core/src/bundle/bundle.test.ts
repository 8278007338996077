import { beforeAll, describe, expect, it } from 'vitest'
import { buildBundle } from './build.ts'
import { canonicalJson } from './canonical-json.ts'
import { base64ToBytes, bytesToBase64, sha256Hex } from './encoding.ts'
import { BundleVerificationError, type BundleVerificationCode } from './errors.ts'
import { generateSigningKey, importSigningKey, importVerifyKey, type SigningKey } from './keys.ts'
import type { BundleDocument, BundleManifestInput } from './manifest.ts'
import { verifySignedBundle } from './verify-signed.ts'
import { verifyBundle, type TrustedKeys } from './verify.ts'

const manifestInput: BundleManifestInput = {
  name: 'fcv-ziln',
  version: '7',
  created: '2026-08-01T12:00:00.000Z',
  horizonDays: 90,
  currency: 'GBP',
  featureSpec: {
    version: 'v2',
    windowsDays: [30, 90, 180, 365],
    features: [{ name: 'spend_30d', kind: 'numeric', definition: 'net spend in the last 30 days' }],
  },
  normalisation: { mean: [1.5, 2], std: [0.5, 1], countries: ['GB', 'other'] },
  model: { format: 'layers-model', formatVersion: 1 },
  metrics: { mae: 12.5, gini: 0.61 },
  mlflow: { runId: '0a1b2c', modelVersion: '7', modelId: 'm-42' },
}
const modelJson = new TextEncoder().encode('{"format":"layers-model","modelTopology":{}}')
const weights = Uint8Array.from({ length: 1000 }, (_, i) => (i * 37) % 256)

let signer: SigningKey
let publicKey: string
let trusted: TrustedKeys

beforeAll(async () => {
  const generated = await generateSigningKey()
  signer = await importSigningKey(generated.privateKeyPkcs8)
  publicKey = generated.publicKey
  trusted = { [signer.keyId]: publicKey }
})

/** A deep copy of a freshly built document, to tamper with. */
async function built(): Promise<BundleDocument> {
  const { document } = await buildBundle({ manifest: manifestInput, modelJson, weights }, signer)
  return JSON.parse(JSON.stringify(document)) as BundleDocument
}

async function expectRejected(
  verify: typeof verifyBundle,
  input: Parameters<typeof verifyBundle>[0],
  code: BundleVerificationCode,
  mentions: string
): Promise<void> {
  const error = await verify(input, trusted).then(
    () => expect.fail(`expected '${code}', but the bundle verified`),
    (e: unknown) => e
  )
  expect(error).toBeInstanceOf(BundleVerificationError)
  expect(error).toMatchObject({ name: 'BundleVerificationError', code })
  expect((error as Error).message).toContain(mentions)
}

describe('buildBundle and verifyBundle', () => {
  it('round-trips from the document, the bytes and the text', async () => {
    const result = await buildBundle({ manifest: manifestInput, modelJson, weights }, signer)
    expect(result.document.manifest).toMatchObject({
      format: 'fcv-bundle',
      formatVersion: 1,
      files: {
        'model.json': { sha256: await sha256Hex(modelJson), size: modelJson.length },
        'weights.bin': { sha256: await sha256Hex(weights), size: 1000 },
      },
    })
    expect(result.document.signature).toMatchObject({ alg: 'Ed25519', keyId: signer.keyId })
    expect(new TextDecoder().decode(result.bytes)).toBe(canonicalJson(result.document))
    expect(result.digest).toBe(await sha256Hex(result.bytes))

    const text = new TextDecoder().decode(result.bytes)
    for (const [input, verify] of [result.document, result.bytes, text].flatMap((i) =>
      VERIFIERS.map(([, v]) => [i, v] as const)
    )) {
      const verified = await verify(input, trusted)
      expect(verified.keyId).toBe(signer.keyId)
      expect(verified.manifest).toEqual(result.document.manifest)
      expect(verified.manifest.featureSpec).toEqual(manifestInput.featureSpec)
      expect(verified.modelJson).toEqual(modelJson)
      expect(verified.weights).toEqual(weights)
    }
  })

  it('is deterministic: the same input and key give the same bytes and digest', async () => {
    const a = await buildBundle({ manifest: manifestInput, modelJson, weights }, signer)
    const b = await buildBundle({ manifest: manifestInput, modelJson, weights }, signer)
    expect(b.digest).toBe(a.digest)
  })

  it('verifies with the public key given as base64 or as a CryptoKey', async () => {
    const doc = await built()
    const asString = await verifyBundle(doc, { [signer.keyId]: publicKey })
    const asKey = await verifyBundle(doc, { [signer.keyId]: await importVerifyKey(publicKey) })
    expect(asKey.manifest).toEqual(asString.manifest)
  })

  it('handles empty files', async () => {
    const { bytes } = await buildBundle(
      { manifest: manifestInput, modelJson, weights: new Uint8Array() },
      signer
    )
    expect((await verifyBundle(bytes, trusted)).weights).toHaveLength(0)
  })

  it('refuses to sign an invalid manifest, naming the field', async () => {
    const manifest = { ...manifestInput, currency: 'gbp' }
    await expect(buildBundle({ manifest, modelJson, weights }, signer)).rejects.toThrow(
      'currency: must be a 3-letter ISO 4217 code'
    )
    const noFn = { ...manifestInput, normalisation: { fit: new Date(0) } }
    await expect(buildBundle({ manifest: noFn, modelJson, weights }, signer)).rejects.toThrow(
      'Date is not a plain object at $.normalisation.fit'
    )
  })
})

// The full verifier (schemas, then the signed checks) and the widget's (the signed checks alone)
// refuse the same tampering; only the schema-only shape checks differ.
const VERIFIERS = [
  ['verifyBundle', verifyBundle],
  ['verifySignedBundle', verifySignedBundle],
] as const

describe.each(VERIFIERS)('%s rejects', (name, verify) => {
  const schemas = name === 'verifyBundle'

  it('one flipped byte in the weights: digest-mismatch', async () => {
    const doc = await built()
    const bytes = base64ToBytes(doc.files['weights.bin'])
    bytes[500] = bytes[500]! ^ 0x01
    doc.files['weights.bin'] = bytesToBase64(bytes)
    await expectRejected(verify, doc, 'digest-mismatch', 'files["weights.bin"] has sha256')
  })

  it('truncated weights: size-mismatch', async () => {
    const doc = await built()
    doc.files['weights.bin'] = bytesToBase64(weights.subarray(0, 999))
    await expectRejected(verify, doc, 'size-mismatch', 'files["weights.bin"] is 999 bytes')
  })

  it('a replaced model.json with a digest to match: bad-signature', async () => {
    const doc = await built()
    const other = new TextEncoder().encode('{"evil":true}')
    doc.files['model.json'] = bytesToBase64(other)
    doc.manifest.files['model.json'] = { sha256: await sha256Hex(other), size: other.length }
    await expectRejected(verify, doc, 'bad-signature', 'signature.value')
  })

  it('a changed manifest metric: bad-signature', async () => {
    const doc = await built()
    doc.manifest.metrics['mae'] = 1
    await expectRejected(verify, doc, 'bad-signature', `key ${signer.keyId}`)
  })

  it('a field added to a signed manifest: bad-signature', async () => {
    const doc = await built()
    ;(doc.manifest as Record<string, unknown>)['note'] = 'added later'
    await expectRejected(verify, canonicalJson(doc), 'bad-signature', 'signature.value')
  })

  it('a signature by another key that claims the trusted key id: bad-signature', async () => {
    const attacker = await importSigningKey((await generateSigningKey()).privateKeyPkcs8)
    const { bytes } = await buildBundle(
      { manifest: manifestInput, modelJson, weights },
      { key: attacker.key, keyId: signer.keyId }
    )
    await expectRejected(verify, bytes, 'bad-signature', 'signature.value')
  })

  it('an untrusted key id: unknown-key', async () => {
    const other = await importSigningKey((await generateSigningKey()).privateKeyPkcs8)
    const { bytes } = await buildBundle({ manifest: manifestInput, modelJson, weights }, other)
    await expectRejected(verify, bytes, 'unknown-key', other.keyId)
    // Not found on Object.prototype either.
    const doc = await built()
    doc.signature.keyId = 'constructor'
    await expectRejected(verify, doc, 'unknown-key', '"constructor" is not trusted')
  })

  it('a missing file: missing-file', async () => {
    const doc = await built()
    delete (doc.files as Partial<BundleDocument['files']>)['weights.bin']
    await expectRejected(verify, doc, 'missing-file', 'files["weights.bin"] is missing')
  })

  it.each([
    ['manifest.format', { format: 'tfjs-bundle' }, '"fcv-bundle"'],
    ['manifest.formatVersion', { formatVersion: 2 }, 'this verifier reads 1'],
  ])('a different %s: unsupported-format', async (field, change, mentions) => {
    const doc = await built()
    Object.assign(doc.manifest, change)
    await expectRejected(verify, doc, 'unsupported-format', field)
    await expectRejected(verify, JSON.stringify(doc), 'unsupported-format', mentions)
  })

  it('another signature algorithm: unsupported-format', async () => {
    const doc = await built()
    ;(doc.signature as { alg: string }).alg = 'ES256'
    await expectRejected(verify, doc, 'unsupported-format', 'signature.alg is "ES256"')
  })

  it.each([
    ['garbage', '{"manifest": nope', 'not UTF-8 JSON'],
    ['not UTF-8', Uint8Array.from([0x7b, 0xff, 0x7d]), 'not UTF-8 JSON'],
    ['a JSON array', '[]', '(document)'],
    ['an empty object', '{}', 'manifest:'],
  ])('%s: malformed', async (_what, input, mentions) => {
    await expectRejected(verify, input, 'malformed', mentions)
  })

  it('fields of the wrong shape: malformed, naming the field', async () => {
    // The last element: checked by the schemas only (the signature covers those fields anyway).
    const cases: [(doc: BundleDocument) => void, string, boolean][] = [
      [
        (d) => (d.manifest.files['model.json'].sha256 = 'ABC'),
        'manifest.files["model.json"].sha256',
        false,
      ],
      [
        (d) => ((d.manifest.files['weights.bin'] as { size: unknown }).size = '9'),
        'manifest.files["weights.bin"].size',
        false,
      ],
      [
        (d) => ((d.manifest as { horizonDays: unknown }).horizonDays = '90'),
        'manifest.horizonDays',
        true,
      ],
      [(d) => (d.manifest.created = 'yesterday'), 'manifest.created', true],
      [(d) => (d.signature.value = 'c2ln'), 'signature.value', false],
      [(d) => ((d.signature as { keyId: unknown }).keyId = 7), 'signature.keyId', false],
      [(d) => (d.files['weights.bin'] = 'not base64!'), 'files["weights.bin"]', false],
      [(d) => Object.assign(d, { extra: 1 }), 'Unrecognized key: "extra"', true],
      [
        (d) => Object.assign(d.manifest.files, { 'x.bin': d.manifest.files['model.json'] }),
        'x.bin',
        true,
      ],
    ]
    for (const [tamper, mentions, schemaOnly] of cases) {
      if (schemaOnly && !schemas) continue
      const doc = await built()
      tamper(doc)
      await expectRejected(verify, doc, 'malformed', mentions)
    }
  })
})

describe('manifest fields this verifier does not know', () => {
  it('are covered by the signature and accepted, but not returned', async () => {
    // A newer signer within formatVersion 1 adds a field: sign it by hand.
    const doc = await built()
    const manifest = { ...doc.manifest, addedLater: { by: 'a newer control plane' } }
    const signature = await crypto.subtle.sign(
      'Ed25519',
      signer.key,
      new TextEncoder().encode(canonicalJson(manifest))
    )
    const signed = {
      ...doc,
      manifest,
      signature: { ...doc.signature, value: bytesToBase64(new Uint8Array(signature)) },
    }
    const verified = await verifyBundle(canonicalJson(signed), trusted)
    expect(verified.manifest).toEqual(doc.manifest)
    expect(verified.manifest).not.toHaveProperty('addedLater')
  })
})
