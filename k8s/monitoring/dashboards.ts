// The committed Grafana dashboards (dashboards/*.json, written by dashboards/generate.ts), typed
// as Grafana's published schema (@grafana/schema), and their PromQL with the Grafana variables
// replaced by values a caller chooses, so a test can run every panel against a real Prometheus.

import type { Dashboard, Panel, RowPanel } from '@grafana/schema'
import controlPlane from './dashboards/fcv-control-plane.json' with { type: 'json' }
import fleetOverview from './dashboards/fcv-fleet-overview.json' with { type: 'json' }

/**
 * What a JSON import of T can be. TypeScript widens every string of a JSON file to `string`, so a
 * string enum or literal union of the schema (ThresholdsMode, VariableType) becomes `string` here
 * (dashboards.test.ts checks those values); numbers, booleans, required keys, objects and arrays
 * keep the schema's types.
 */
export type JsonOf<T> = T extends string
  ? string
  : T extends number | boolean | null | undefined
    ? T
    : T extends readonly (infer U)[]
      ? JsonOf<U>[]
      : T extends object
        ? { [K in keyof T]: JsonOf<T[K]> }
        : T

export type DashboardJson = JsonOf<Dashboard>

/** The dashboards by uid; the annotation is the typecheck against Grafana's schema. */
export const DASHBOARDS: Readonly<Record<string, DashboardJson>> = {
  'fcv-fleet-overview': fleetOverview,
  'fcv-control-plane': controlPlane,
}

export interface PanelExpression {
  dashboard: string
  panel: string
  refId: string
  expr: string
}

/** Every panel of a dashboard, rows' nested panels included (rows themselves excluded). */
export function panelsOf(d: DashboardJson): JsonOf<Panel>[] {
  return (d.panels ?? []).flatMap((p) =>
    p.type === 'row' ? (p as JsonOf<RowPanel>).panels : [p as JsonOf<Panel>]
  )
}

/** Replaces $name, ${name} and [[name]] by values[name]; a variable without a value is an error. */
export function substitute(expr: string, values: Readonly<Record<string, string>>): string {
  return expr.replace(/\$\{(\w+)(?::\w+)?\}|\$(\w+)|\[\[(\w+)\]\]/g, (_, a, b, c) => {
    const name = (a ?? b ?? c) as string
    const value = values[name]
    if (value === undefined) throw new Error(`no value for the variable $${name} in ${expr}`)
    return value
  })
}

/**
 * Every panel query of every dashboard with the variables replaced, e.g.
 * `{ __rate_interval: '1m', __interval: '1m', __range: '1h', channel: '.*', model_version: '.*',
 * job: 'fcv-control-plane', route: '.*' }`.
 */
export function dashboardExpressions(values: Readonly<Record<string, string>>): PanelExpression[] {
  return Object.entries(DASHBOARDS).flatMap(([uid, d]) =>
    panelsOf(d).flatMap((p) =>
      (p.targets ?? []).map((t) => {
        const where = `${uid}: panel "${p.title}" query ${String(t['refId'])}`
        if (typeof t['expr'] !== 'string') throw new Error(`${where}: expr is not a string`)
        try {
          return {
            dashboard: uid,
            panel: p.title ?? '',
            refId: String(t['refId']),
            expr: substitute(t['expr'], values),
          }
        } catch (e) {
          throw new Error(`${where}: ${(e as Error).message}`, { cause: e })
        }
      })
    )
  )
}
