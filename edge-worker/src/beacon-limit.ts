// POST /v1/beacon is public, so a client is held to wrangler.toml's BEACON_RATE_LIMITER (Workers
// Rate Limiting: per key, per Cloudflare location) by its address, before its body is read.

import type { Context } from 'hono'
import type { AppEnv } from './app-env.ts'
import { ApiError } from './errors.ts'

/**
 * Seconds a refused client is told to wait: the longest period a binding can have (10 or 60),
 * so a retry always lands in a new window.
 */
export const BEACON_RETRY_AFTER_SECONDS = 60

/** Cloudflare sets CF-Connecting-IP on every request; without it (local) clients share a key. */
export function clientKey(c: Context<AppEnv>): string {
  return c.req.header('cf-connecting-ip') ?? 'unknown'
}

/** A 429 with Retry-After when the client is over its limit. */
export async function requireWithinBeaconLimit(c: Context<AppEnv>): Promise<void> {
  const limiter = c.env.BEACON_RATE_LIMITER
  if (!limiter) {
    console.error('fcv-edge: misconfigured BEACON_RATE_LIMITER: no rate limiting binding')
    throw new ApiError(500, 'misconfigured', 'the worker is misconfigured (BEACON_RATE_LIMITER)')
  }
  let success: boolean
  try {
    ;({ success } = await limiter.limit({ key: clientKey(c) }))
  } catch (e) {
    // Unchecked beacons could flood the counts: refuse them until the limiter answers again.
    console.warn(`fcv-edge: the beacon rate limiter failed: ${(e as Error).message}`)
    throw new ApiError(503, 'rate_limiter_unavailable', 'beacons cannot be checked now; retry', {
      headers: { 'retry-after': String(BEACON_RETRY_AFTER_SECONDS) },
    })
  }
  if (!success) {
    throw new ApiError(
      429,
      'rate_limited',
      `too many beacons from this address; retry after ${BEACON_RETRY_AFTER_SECONDS} s`,
      { headers: { 'retry-after': String(BEACON_RETRY_AFTER_SECONDS) } }
    )
  }
}
