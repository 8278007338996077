import type { KVNamespace, RateLimit } from '@cloudflare/workers-types'
import { z } from 'zod'
import { ApiError } from './errors.ts'

/** The Worker's bindings: see wrangler.toml at the repository root for what each one means. */
export interface Env {
  BUNDLES: KVNamespace
  /** Workers Rate Limiting, keyed by client address: POST /v1/beacon. */
  BEACON_RATE_LIMITER?: RateLimit
  MAX_BODY_BYTES?: string
  MAX_PREDICT_BODY_BYTES?: string
  MAX_CUSTOMERS_PER_REQUEST?: string
  CORS_ORIGINS?: string
  MODEL_REFRESH_SECONDS?: string
  TELEMETRY_URL?: string
  TELEMETRY_FLUSH_SECONDS?: string
  TELEMETRY_FLUSH_PREDICTIONS?: string
  /** JSON {keyId: base64 raw Ed25519 public key}. */
  TRUSTED_KEYS?: string
  /** Secret: sha256 hex of the publisher token (preferred). */
  PUBLISHER_TOKEN_SHA256?: string
  /** Secret: the publisher token itself (local dev, tests). */
  PUBLISHER_TOKEN?: string
  /** Secret: bearer token for TELEMETRY_URL. */
  TELEMETRY_TOKEN?: string
}

export interface Config {
  maxBodyBytes: number
  maxPredictBodyBytes: number
  maxCustomersPerRequest: number
  /** '*' or an exact list of origins. */
  corsOrigins: '*' | readonly string[]
  modelRefreshMs: number
  telemetry: {
    url: string
    token: string | undefined
    flushMs: number
    flushPredictions: number
  } | null
  trustedKeys: Readonly<Record<string, string>>
  /** sha256 hex of the publisher token, or the token to hash; null: admin routes refuse everything. */
  publisher: { sha256Hex: string } | { token: string } | null
}

// vars arrive as strings (or as numbers/objects when wrangler.toml writes them so): coerce, then check.
const count = (fallback: number) => z.coerce.number().int().positive().default(fallback)
const seconds = (fallback: number) => z.coerce.number().nonnegative().finite().default(fallback)
const blankToUndefined = (v: unknown) => (v === '' || v === null ? undefined : v)

const VarsSchema = z.object({
  MAX_BODY_BYTES: count(16 * 1024 * 1024),
  MAX_PREDICT_BODY_BYTES: count(1024 * 1024),
  MAX_CUSTOMERS_PER_REQUEST: count(100),
  CORS_ORIGINS: z.string().default('*'),
  MODEL_REFRESH_SECONDS: seconds(10),
  TELEMETRY_URL: z.preprocess(blankToUndefined, z.url().optional()),
  TELEMETRY_FLUSH_SECONDS: seconds(60),
  TELEMETRY_FLUSH_PREDICTIONS: count(1000),
  TRUSTED_KEYS: z.preprocess(
    (v) => (typeof v === 'string' ? parseJsonOr(v) : (blankToUndefined(v) ?? {})),
    z.record(
      z.string().min(1),
      // 32 raw bytes in padded base64: a bad key fails here, at startup, not on the first push.
      z
        .string()
        .regex(/^[A-Za-z0-9+/]{43}=$/, 'must be the base64 of a 32-byte Ed25519 public key'),
      { error: 'must be a JSON object {"<keyId>": "<base64 public key>"}' }
    )
  ),
  PUBLISHER_TOKEN_SHA256: z.preprocess(
    blankToUndefined,
    z
      .string()
      .trim()
      .toLowerCase()
      .regex(/^[0-9a-f]{64}$/, 'must be 64 hex digits (the sha256 of the token)')
      .optional()
  ),
  PUBLISHER_TOKEN: z.preprocess(blankToUndefined, z.string().optional()),
  TELEMETRY_TOKEN: z.preprocess(blankToUndefined, z.string().optional()),
})

function parseJsonOr(text: string): unknown {
  if (text.trim() === '') return {}
  try {
    return JSON.parse(text)
  } catch {
    return text // the schema then reports it as not an object
  }
}

const parsed = new WeakMap<object, Config>()

/**
 * The typed configuration of this env, parsed once per env object (once per isolate in production).
 * A bad var is a 500 naming the var, never its value (some are secrets).
 */
export function configOf(env: Env): Config {
  const hit = parsed.get(env)
  if (hit) return hit
  const result = VarsSchema.safeParse(env)
  if (!result.success) {
    const issue = result.error.issues[0]
    const where = issue?.path.join('.') || 'env'
    console.error(`fcv-edge: misconfigured ${where}: ${issue?.message ?? 'invalid'}`)
    throw new ApiError(500, 'misconfigured', `the worker is misconfigured (${where})`)
  }
  const v = result.data
  const origins = v.CORS_ORIGINS.split(',')
    .map((o) => o.trim())
    .filter(Boolean)
  const config: Config = {
    maxBodyBytes: v.MAX_BODY_BYTES,
    maxPredictBodyBytes: v.MAX_PREDICT_BODY_BYTES,
    maxCustomersPerRequest: v.MAX_CUSTOMERS_PER_REQUEST,
    corsOrigins: origins.includes('*') ? '*' : origins,
    modelRefreshMs: v.MODEL_REFRESH_SECONDS * 1000,
    telemetry: v.TELEMETRY_URL
      ? {
          url: v.TELEMETRY_URL,
          token: v.TELEMETRY_TOKEN,
          flushMs: v.TELEMETRY_FLUSH_SECONDS * 1000,
          flushPredictions: v.TELEMETRY_FLUSH_PREDICTIONS,
        }
      : null,
    trustedKeys: v.TRUSTED_KEYS,
    publisher: v.PUBLISHER_TOKEN_SHA256
      ? { sha256Hex: v.PUBLISHER_TOKEN_SHA256 }
      : v.PUBLISHER_TOKEN
        ? { token: v.PUBLISHER_TOKEN }
        : null,
  }
  parsed.set(env, config)
  return config
}
