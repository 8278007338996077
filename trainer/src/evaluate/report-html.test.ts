import { execFileSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import {
  parsePlotCsv,
  parseReportInput,
  renderCharts,
  renderReport,
  type ReportInput,
} from './report-html.ts'
import { escapeXml, niceTicks, SVG_NS } from './svg-chart.ts'

const metrics = (over: Partial<Record<string, number | null>> = {}) => ({
  customers: 10,
  buyers: 4,
  zero_share: 0.6,
  mae: 12.5,
  rmse: 20.25,
  r2: 0.4,
  gini: 0.7,
  spearman: 0.5,
  top10_capture: 0.3,
  top10_lift: 3,
  auc: 0.8,
  decile_mape: 0.25,
  sum_ratio: 0.9,
  r2_log1p_buyers: 0.2,
  rmse_log1p_buyers: 1.1,
  ...over,
})

const EVIL = 'x<&>"y'

const DECILES =
  'decile,ziln_actual,ziln_predicted\n' +
  Array.from({ length: 10 }, (_, k) => `${k + 1},${100 - 10 * k},${95 - 9 * k}`).join('\n')

function input(extra: Record<string, unknown> = {}): ReportInput {
  const report = {
    test_cutoff: '2022-09-01',
    horizon_days: 90,
    currency: 'GBP',
    customers: 10,
    zero_share: 0.6,
    ...extra,
    models: {
      ziln: metrics(),
      zero: metrics({ gini: 0, rmse: 30, sum_ratio: 0 }),
      [EVIL]: metrics({ gini: 0.9, sum_ratio: 1.05 }),
      bgnbd_gamma_gamma: { error: 'too few repeat <buyers>' },
      ...(extra['models'] as object | undefined),
    },
  }
  return parseReportInput({
    metricsJson: JSON.stringify(report),
    gainsCsv: `customer_share,lorenz,ziln,zero,${EVIL}\n0,0,0,0,0\n0.5,0.9,0.7,0.5,0.6\n1,1,1,1,1\n`,
    decilesCsv: DECILES,
    trainingCsv:
      'epoch,loss,val_loss,learning_rate\n1,3,3.2,0.001\n2,2.5,2.9,0.001\n3,2.4,,0.0005\n4,2.3,2.95,0.0005\n',
  })
}

describe('renderReport', () => {
  const html = renderReport(input())

  it('is one HTML document with the run in its title', () => {
    expect(html.startsWith('<!doctype html>')).toBe(true)
    expect(html).toContain('<title>Forward customer value: evaluation at 2022-09-01</title>')
    for (const fact of ['90 days', 'GBP', '<b>10</b>', '60.0%']) expect(html).toContain(fact)
  })

  it('has a table row for every model', () => {
    const rows = [...html.matchAll(/<tr[^>]*><th scope="row">(.*?)<\/th>/g)].map((m) => m[1])
    expect(rows).toEqual(['ziln', 'zero', escapeXml(EVIL), 'bgnbd_gamma_gamma'])
  })

  it('names each channel’s champion when any was scored, and no champion otherwise', () => {
    expect(html).not.toContain('Champion')
    expect(html).toContain('The ziln model against the baselines.')
    const ref = { model_name: 'fcv', version: '3', run_id: 'r3' }
    const champions = { edge: ref, widget: { ...ref, version: '5' } }
    const both = renderReport(input({ champions }))
    expect(both).toContain('<li>Champion: <b>edge: fcv version 3, widget: fcv version 5</b></li>')
    expect(both).toContain(
      'The ziln model against each channel’s current champion and the baselines.'
    )
    const edgeOnly = renderReport(
      input({
        champions: { edge: ref, widget: null },
        models: { champion_edge: metrics({ gini: 0.5 }) },
      })
    )
    expect(edgeOnly).toContain('<li>Champion: <b>edge: fcv version 3, widget: none</b></li>')
    expect(edgeOnly).toContain('<th scope="row">champion_edge</th>')
    // metrics.json from an fcv before per-channel champions: its model-wide one is not a channel's
    const old = renderReport(input({ champion: ref, models: { champion: metrics() } }))
    expect(old).not.toContain('Champion:')
    expect(old).toContain('The ziln model against the baselines.')
  })

  it('escapes model names and errors, never writing them raw', () => {
    expect(html).toContain('x&lt;&amp;&gt;&quot;y')
    expect(html).not.toContain(EVIL)
    expect(html).not.toContain('<buyers>')
  })

  it('shows a failed baseline as failed, with its error', () => {
    expect(html).toMatch(
      /<td class="failed"[^>]*><strong>failed<\/strong>: too few repeat &lt;buyers&gt;/
    )
  })

  it('highlights the best value of each column', () => {
    expect(html).toContain('<td class="best"><strong>0.900</strong></td>') // gini, the EVIL model
    expect(html).toContain('<td class="best"><strong>1.050</strong></td>') // sum ratio nearest 1
    expect(html).toContain('<td class="best"><strong>20.3</strong></td>') // RMSE, lowest (tie)
    expect(html).not.toContain('<td class="best"><strong>30.0</strong></td>')
  })

  it('draws three accessible SVG charts', () => {
    const svgs = html.match(/<svg [^>]*>/g) ?? []
    expect(svgs).toHaveLength(3)
    for (const svg of svgs) expect(svg).toMatch(/role="img" aria-labelledby="/)
    expect(html.match(/<svg[^>]*><title id="[a-z]+-title">/g)).toHaveLength(3)
    expect(html).toContain('Lorenz (perfect ranking)')
    expect(html).toContain('lr 5e-4')
  })

  it('is self-contained: no links, scripts or external resources', () => {
    // The SVG namespace is a name, never fetched.
    expect(html.replaceAll(`xmlns="${SVG_NS}"`, '')).not.toMatch(/https?:\/\//)
    expect(html).not.toMatch(/<script|<link|@import|url\(/i)
  })

  it('works with no training rows and an unknown primary model', () => {
    const out = renderReport({ ...input(), training: [], primary: 'missing' })
    expect(out.match(/<svg /g)).toHaveLength(3)
  })
})

/** Parses each document with python3's xml.etree: its root tag and first child tags, or the error. */
function parseXml(docs: string[]): { root?: string; children?: string[]; error?: string }[] {
  const script = [
    'import json, sys, xml.etree.ElementTree as ET',
    'def parse(doc):',
    '    try:',
    '        root = ET.fromstring(doc.encode("utf-8"))',
    '    except ET.ParseError as e:',
    '        return {"error": str(e)}',
    '    return {"root": root.tag, "children": [c.tag for c in root][:3]}',
    'print(json.dumps([parse(d) for d in json.load(sys.stdin)]))',
  ].join('\n')
  const out = execFileSync('python3', ['-c', script], { input: JSON.stringify(docs) })
  return JSON.parse(out.toString('utf8'))
}

describe('renderCharts', () => {
  const charts = renderCharts(input())
  const names = ['gains', 'deciles', 'training'] as const

  it('gives the very charts the report inlines', () => {
    expect(Object.keys(charts)).toEqual(names)
    const html = renderReport(input())
    const inline = html.match(/<svg[\s\S]*?<\/svg>/g)
    expect(inline).toEqual(names.map((n) => charts[n]))
  })

  it('makes each chart a well-formed standalone SVG document', () => {
    const ns = `{${SVG_NS}}`
    const parsed = parseXml(names.map((n) => charts[n]))
    expect(parsed).toEqual(
      names.map(() => ({ root: `${ns}svg`, children: [`${ns}title`, `${ns}desc`, `${ns}rect`] }))
    )
    for (const n of names) {
      expect(charts[n]).toMatch(new RegExp(`^<svg xmlns="${SVG_NS}" `))
      // an opaque background first, under everything else
      expect(charts[n]).toContain('</desc><rect width="100%" height="100%" fill="#fff"/>')
    }
  })

  it('escapes names into well-formed XML', () => {
    expect(charts.gains).toContain('x&lt;&amp;&gt;&quot;y')
    expect(parseXml(['<svg><title>x<&</title></svg>'])[0]?.error).toMatch(/not well-formed/)
  })

  it('styles with attributes only, so it looks the same without the report stylesheet', () => {
    for (const n of names) expect(charts[n]).not.toMatch(/<style|style=|var\(|currentColor/i)
  })
})

describe('helpers', () => {
  it('picks round ticks', () => {
    expect(niceTicks(0, 1, 5)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1])
    expect(niceTicks(2.91, 3.19, 5)).toEqual([2.9, 3, 3.1, 3.2])
    expect(niceTicks(2.91, 3.19, 10)).toEqual([2.9, 2.95, 3, 3.05, 3.1, 3.15, 3.2])
    expect(niceTicks(0, 2697, 5)).toEqual([0, 1000, 2000, 3000])
    expect(niceTicks(5, 5)).toEqual([5])
  })

  it('parses empty CSV cells as null', () => {
    expect(parsePlotCsv('a,b\n1,\n')).toEqual([{ a: 1, b: null }])
  })

  it('rejects a plot CSV without its key column', () => {
    const files = {
      metricsJson: '{"models":{}}',
      gainsCsv: 'x\n1',
      decilesCsv: DECILES,
      trainingCsv: 'epoch\n1',
    }
    expect(() => parseReportInput(files)).toThrow(/gains.csv .* customer_share/)
  })
})
