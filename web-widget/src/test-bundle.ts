// Test support: real signed bundles of the committed fixture model (trained by the trainer on the
// shipped sample), and a fetch that serves them as the Worker's GET /v1/bundle does (ETag,
// If-None-Match, the digest headers), in process.

import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import {
  buildBundle,
  generateSigningKey,
  importSigningKey,
  type BuildBundleInput,
  type BuiltBundle,
} from '@fcv/core'

const FIXTURE = join(import.meta.dirname, '../../control-plane/src/test-support/model')
export const modelJson = new Uint8Array(readFileSync(join(FIXTURE, 'model.json')))
export const weights = new Uint8Array(readFileSync(join(FIXTURE, 'weights.bin')))

export interface Signer {
  keyId: string
  publicKey: string
  trustedKeys: string
  sign(
    version: string,
    files?: { modelJson?: Uint8Array },
    /** Manifest fields to change or add, e.g. calibratedWindow. */
    manifest?: Partial<BuildBundleInput['manifest']>
  ): Promise<BuiltBundle>
}

export async function newSigner(): Promise<Signer> {
  const material = await generateSigningKey()
  const key = await importSigningKey(material.privateKeyPkcs8)
  const meta = JSON.parse(new TextDecoder().decode(modelJson)) as {
    userDefinedMetadata: { fcv: { featureSpec: { version: string }; encoding: object } }
  }
  return {
    keyId: key.keyId,
    publicKey: key.publicKey,
    trustedKeys: `${key.keyId}:${key.publicKey}`,
    sign: (version, files = {}, manifest = {}) =>
      buildBundle(
        {
          manifest: {
            name: 'fcv-customer-value',
            version,
            created: '2026-12-04T00:00:00.000Z',
            horizonDays: 90,
            currency: 'GBP',
            featureSpec: meta.userDefinedMetadata.fcv.featureSpec,
            normalisation: meta.userDefinedMetadata.fcv.encoding as Record<string, unknown>,
            model: { format: 'fcv-ziln', formatVersion: 2 },
            metrics: { gini: 0.8 },
            mlflow: { runId: 'run', modelVersion: version },
            ...manifest,
          },
          modelJson: files.modelJson ?? modelJson,
          weights,
        },
        key
      ),
  }
}

export interface FakeEdge {
  fetch: typeof fetch
  /** What GET /v1/bundle serves now. */
  champion: BuiltBundle | null
  canary: { bundle: BuiltBundle; share: number } | null
  /** Requests seen: URL, If-None-Match and the fetch's cache mode. */
  requests: { url: string; ifNoneMatch: string | null; cache: RequestCache | undefined }[]
  /** Throw like a network failure. */
  down: boolean
}

/** GET /v1/bundle and /v1/bundle/<digest> as the Worker answers them (routes/bundle.ts). */
export function fakeEdge(): FakeEdge {
  const edge: FakeEdge = {
    champion: null,
    canary: null,
    requests: [],
    down: false,
    fetch: async (input, init) => {
      const url = String(input)
      const ifNoneMatch = new Headers(init?.headers).get('if-none-match')
      edge.requests.push({ url, ifNoneMatch, cache: init?.cache })
      if (edge.down) throw new TypeError('Failed to fetch')
      const all = [edge.champion, edge.canary?.bundle].filter((b): b is BuiltBundle => !!b)
      const digest = /\/v1\/bundle\/([0-9a-f]{64})$/.exec(url)?.[1]
      const bundle = digest ? all.find((b) => b.digest === digest) : edge.champion
      if (!bundle) return new Response('{"error":{"code":"no_model"}}', { status: 503 })
      const headers: Record<string, string> = {
        etag: `"${bundle.digest}"`,
        'x-fcv-digest': bundle.digest,
      }
      if (!digest && edge.canary) {
        headers['x-fcv-canary-digest'] = edge.canary.bundle.digest
        headers['x-fcv-canary-share'] = String(edge.canary.share)
      }
      if (!digest && ifNoneMatch === `"${bundle.digest}"`) {
        return new Response(null, { status: 304, headers })
      }
      return new Response(bundle.bytes as Uint8Array<ArrayBuffer>, {
        status: 200,
        headers: { ...headers, 'content-type': 'application/json' },
      })
    },
  }
  return edge
}
