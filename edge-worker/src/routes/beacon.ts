// POST /v1/beacon: a storefront widget's aggregate-only report (core's WidgetBeacon), public and
// rate limited per client address. An accepted beacon is summed into this isolate's telemetry
// window, which reaches the control plane with the next flush; refusals are counted by reason.
// Order of checks: rate limit (nothing read), content type, size, then the beacon itself.

import {
  WIDGET_BEACON_LIMITS,
  WidgetBeaconSchema,
  type WidgetBeacon,
  type WidgetBeaconResult,
} from '@fcv/core'
import type { Hono } from 'hono'
import type { AppEnv, Deps } from '../app-env.ts'
import { backgroundOf } from '../background.ts'
import { requireWithinBeaconLimit } from '../beacon-limit.ts'
import { parseJson, readBody, requireJsonOrText } from '../body.ts'
import { configOf } from '../env.ts'
import { ApiError } from '../errors.ts'
import { pathOf } from '../field-path.ts'
import { ServedVersions } from '../served-versions.ts'

function parseBeacon(body: unknown): WidgetBeacon {
  const parsed = WidgetBeaconSchema.safeParse(body)
  if (parsed.success) return parsed.data
  const issue = parsed.error.issues[0]!
  const field = pathOf(issue.path) || '(body)'
  throw new ApiError(400, 'invalid_request', `${field}: ${issue.message}`, {
    details: { field, issues: parsed.error.issues.length },
  })
}

/** How a refusal is counted; null: the Worker's fault (5xx), not the beacon's. */
function refusalOf(e: unknown): WidgetBeaconResult | null {
  if (!(e instanceof ApiError) || e.status >= 500) return null
  if (e.status === 429) return 'rate_limited'
  if (e.status === 413) return 'too_large'
  return 'bad_request'
}

export function beaconRoutes(app: Hono<AppEnv>, deps: Deps): void {
  const versions = new ServedVersions()
  app.post('/v1/beacon', async (c) => {
    const config = configOf(c.env)
    const telemetry = config.telemetry ? deps.telemetry : null
    try {
      await requireWithinBeaconLimit(c)
      requireJsonOrText(c.req.raw)
      const beacon = parseBeacon(
        parseJson(await readBody(c.req.raw, WIDGET_BEACON_LIMITS.bodyBytes))
      )
      if (telemetry) {
        versions.note(await deps.serving.view(c.env.BUNDLES, config, 'widget', backgroundOf(c)))
        telemetry.beacon(
          'accepted',
          beacon.series.map((s) => ({ ...s, modelVersion: versions.label(s.modelVersion) }))
        )
      }
      return c.body(null, 204, { 'cache-control': 'no-store' })
    } catch (e) {
      const refusal = refusalOf(e)
      if (telemetry && refusal) telemetry.beacon(refusal)
      throw e
    } finally {
      if (telemetry) {
        const target = config.telemetry
        backgroundOf(c).waitUntil(telemetry.flushIfDue(target) ?? Promise.resolve())
      }
    }
  })
}
