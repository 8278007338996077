import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import type { MetricsReport } from '../../../trainer/src/evaluate/index.ts'
import { versionTags } from '../../../trainer/src/register/run-content.ts'
import { startTestApp, type TestApp } from '../test-support/harness.ts'
import { goodTags, registerVersion } from '../test-support/registry.ts'

// A champion per channel, end to end: a real MLflow server, versions tagged by the trainer's own
// register code (versionTags) from the evaluations fcv evaluate would write, promoted through the
// API. v5 serves on widget while edge runs v4; v6, evaluated against both, passes each channel's
// gates against its own champion.

const uri = inject('mlflowUri')
const MODEL = `cp-channels-${Date.now()}`
let t: TestApp
const v: Record<string, string> = {}

const metrics = (gini: number, rmse: number) =>
  ({ gini, rmse, sum_ratio: 1.01 }) as unknown as MetricsReport['models'][string]

/** The tags `fcv register` gives a version whose evaluation scored these channels' champions. */
function tagsFrom(champions: {
  edge?: [string, number, number]
  widget?: [string, number, number]
}) {
  const ref = (c?: [string, number, number]) =>
    c ? { model_name: MODEL, version: c[0], run_id: null } : null
  const report: MetricsReport = {
    test_cutoff: '2011-06-12',
    horizon_days: 90,
    currency: 'GBP',
    customers: 1000,
    zero_share: 0.6,
    champions: { edge: ref(champions.edge), widget: ref(champions.widget) },
    models: {
      ziln: metrics(0.86, 900),
      ...(champions.edge ? { champion_edge: metrics(champions.edge[1], champions.edge[2]) } : {}),
      ...(champions.widget
        ? { champion_widget: metrics(champions.widget[1], champions.widget[2]) }
        : {}),
      last_90d: metrics(0.72, 1500),
    },
  }
  const facts = [{ key: 'fcv.feature_spec.version', value: 'v2' }]
  return Object.fromEntries(
    versionTags(report, 'ziln', ['last_90d'], facts).map((x) => [x.key, x.value])
  )
}

beforeAll(async () => {
  t = await startTestApp(uri)
  v['4'] = await registerVersion(t.mlflow, MODEL, goodTags())
})
afterAll(() => t.close())

const promote = (version: string, channel: string) =>
  t.call('POST', `/v1/models/${MODEL}/promotions`, {
    body: { version, channel, reason: `${channel} champion ${version}` },
  })
const gates = async (version: string, channel: string) =>
  (await t.call('GET', `/v1/models/${MODEL}/versions/${version}/gates?channel=${channel}`)).body

describe('a champion per channel', () => {
  it('v5 on widget while edge runs v4; v6 then passes the edge gates against v4 and the widget gates against v5', async () => {
    expect((await promote(v['4']!, 'edge')).status).toBe(200)
    // v5 was evaluated when only edge had a champion (v4).
    v['5'] = await registerVersion(t.mlflow, MODEL, tagsFrom({ edge: [v['4']!, 0.84, 950] }))
    expect((await promote(v['5']!, 'widget')).status).toBe(200)
    expect((await t.mlflow.getVersionByAlias(MODEL, 'champion-edge'))?.version).toBe(v['4'])
    expect((await t.mlflow.getVersionByAlias(MODEL, 'champion-widget'))?.version).toBe(v['5'])

    // v6 was evaluated against both on one test set: each channel's gates read their own.
    v['6'] = await registerVersion(
      t.mlflow,
      MODEL,
      tagsFrom({ edge: [v['4']!, 0.84, 950], widget: [v['5']!, 0.855, 905] })
    )
    const edge = await gates(v['6']!, 'edge')
    const widget = await gates(v['6']!, 'widget')
    expect(edge).toMatchObject({ champion: v['4'], passed: true })
    expect(widget).toMatchObject({ champion: v['5'], passed: true })
    const gini = (g: { gates: { gate: string; detail: string }[] }) =>
      g.gates.find((x) => x.gate === 'gini_vs_champion')!.detail
    expect(gini(edge)).toContain(`vs the edge champion 0.84 (version ${v['4']})`)
    expect(gini(widget)).toContain(`vs the widget champion 0.855 (version ${v['5']})`)
    // The API (and the admin pages with it) reads the same champions from the tags.
    const mirrored = await t.call('GET', `/v1/models/${MODEL}/versions/${v['6']}`)
    expect(mirrored.body.evaluatedChampions).toEqual({
      edge: { version: v['4'], gini: 0.84, rmse: 950, sumRatio: 1.01 },
      widget: { version: v['5'], gini: 0.855, rmse: 905, sumRatio: 1.01 },
    })

    expect((await promote(v['6']!, 'edge')).status).toBe(200)
    expect((await promote(v['6']!, 'widget')).status).toBe(200)
    expect((await t.mlflow.getVersionByAlias(MODEL, 'previous-edge'))?.version).toBe(v['4'])
    expect((await t.mlflow.getVersionByAlias(MODEL, 'previous-widget'))?.version).toBe(v['5'])
  })

  it('a version evaluated against a champion that has since been replaced fails that channel only', async () => {
    // v7 was evaluated while edge still ran v4 and widget had none.
    v['7'] = await registerVersion(t.mlflow, MODEL, tagsFrom({ edge: [v['4']!, 0.84, 950] }))
    const edge = await promote(v['7']!, 'edge')
    expect(edge.status).toBe(409)
    expect(JSON.stringify(edge.body.error.details.gates)).toContain(
      `evaluated against version ${v['4']} as the edge champion, but the edge champion is version ${v['6']}`
    )
    const widget = await gates(v['7']!, 'widget')
    expect(widget.passed).toBe(false)
    expect(JSON.stringify(widget.gates)).toContain(
      `was not evaluated against the widget champion (version ${v['6']})`
    )
  })
})
