// GET /v1/model: what a channel serves now (edge by default): the champion's manifest without the
// file table, and the canary (with its share) and shadow, if any; each with the days it is
// calibrated for predictions as of (null for a model trained before windows were recorded).

import { windowOf, type BundleManifest } from '@fcv/core'
import { backgroundOf } from '../background.ts'
import type { Context, Hono } from 'hono'
import { z } from 'zod'
import type { AppEnv, Deps } from '../app-env.ts'
import { configOf } from '../env.ts'
import { ApiError } from '../errors.ts'
import type { ChannelView, Slot } from '../serving.ts'
import { CHANNELS, type Channel } from '../store.ts'

export const RETRY_AFTER_SECONDS = '30'

export function noModel(channel: Channel): ApiError {
  return new ApiError(
    503,
    'no_model',
    `no model has been published to the ${channel} channel yet`,
    {
      headers: { 'retry-after': RETRY_AFTER_SECONDS },
    }
  )
}

/** The channel's view; with no champion at all, a 503 with Retry-After. */
export async function servingView(
  c: Context<AppEnv>,
  deps: Deps,
  channel: Channel
): Promise<ChannelView & { champion: Slot }> {
  const view = await deps.serving.view(c.env.BUNDLES, configOf(c.env), channel, backgroundOf(c))
  if (!view.champion) throw noModel(channel)
  return view as ChannelView & { champion: Slot }
}

/**
 * A channel's view was served (GET /v1/bundle, /v1/model): nothing to count, but the telemetry
 * window opens, so an isolate whose only traffic is this still reports what it serves.
 */
export function servedView(c: Context<AppEnv>, deps: Deps): void {
  const target = configOf(c.env).telemetry
  if (!target) return
  deps.telemetry.touch()
  backgroundOf(c).waitUntil(deps.telemetry.flushIfDue(target) ?? Promise.resolve())
}

function describeSlot(slot: Slot) {
  const manifest: Partial<BundleManifest> = { ...slot.bundle.manifest }
  delete manifest.files // digests and sizes of the files: of no use without them
  return {
    model: slot.pointer.model,
    version: slot.pointer.version,
    digest: slot.bundle.digest,
    keyId: slot.bundle.keyId,
    since: slot.pointer.at,
    bundleUrl: `/v1/bundle/${slot.bundle.digest}`,
    calibratedWindow: windowOf(slot.bundle.manifest),
    manifest,
  }
}

const QuerySchema = z.object({ channel: z.enum(CHANNELS).default('edge') })

export function modelRoutes(app: Hono<AppEnv>, deps: Deps): void {
  app.get('/v1/model', async (c) => {
    const query = QuerySchema.safeParse(c.req.query())
    if (!query.success) {
      throw new ApiError(400, 'bad_request', `query channel: must be one of ${CHANNELS.join(', ')}`)
    }
    const { channel } = query.data
    const view = await servingView(c, deps, channel)
    servedView(c, deps)
    c.header('cache-control', 'no-store')
    return c.json({
      channel,
      champion: describeSlot(view.champion),
      canary: view.canary
        ? { ...describeSlot(view.canary), share: view.canary.pointer.canaryShare ?? 0 }
        : null,
      shadow: view.shadow ? describeSlot(view.shadow) : null,
      problem: view.problem,
    })
  })
}
