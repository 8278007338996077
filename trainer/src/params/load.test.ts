import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { applyOverride, loadParams, ParamsError } from './load.ts'

const repoParams = resolve(import.meta.dirname, '../../../params.yaml')

function paramsFile(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'fcv-params-'))
  const file = join(dir, 'params.yaml')
  writeFileSync(file, text)
  return file
}

describe('loadParams', () => {
  it('reads the repository defaults', () => {
    const p = loadParams(repoParams)
    expect(p.data.columns.customer_id).toBe('Customer ID')
    expect(p.features.horizon_days).toBe(90)
    expect(p.data.exclude_products.codes).toContain('POST')
  })

  it('applies --set overrides typed as YAML', () => {
    const p = loadParams(repoParams, [
      'data.path=/tmp/other.csv',
      'features.count=4',
      'data.header=false',
      'data.columns.customer_id=0',
      'data.columns.timestamp=1',
      'data.columns.quantity=null',
      'data.columns.unit_price=null',
      'data.columns.amount=2',
      'data.columns.order_id=null',
      'data.columns.product_id=null',
      'data.columns.country=null',
      'features.test_cutoff=2024-01-01',
    ])
    expect(p.data.path).toBe('/tmp/other.csv')
    expect(p.features.count).toBe(4)
    expect(p.data.header).toBe(false)
    expect(p.data.columns.amount).toBe(2)
    expect(p.features.test_cutoff).toBe('2024-01-01')
  })

  it('names every key at fault', () => {
    const run = () =>
      loadParams(repoParams, [
        'features.count=0',
        'data.timestamp_format=DD.MM.YY',
        'data.timezone=Mars/Olympus',
      ])
    expect(run).toThrow(ParamsError)
    expect(run).toThrow(/features\.count/)
    expect(run).toThrow(/data\.timestamp_format/)
    expect(run).toThrow(/unknown IANA time zone "Mars\/Olympus"/)
  })

  it('reads ingest.duplicates, auto by default, and refuses other values', () => {
    expect(loadParams(repoParams).ingest.duplicates).toBe('auto')
    expect(loadParams(repoParams, ['ingest.duplicates=keep']).ingest.duplicates).toBe('keep')
    // A params file from before the key: auto, so a log with order ids is ingested as it was.
    const before = paramsFile(
      [
        'data:',
        '  path: log.csv',
        '  columns: { customer_id: c, timestamp: t, amount: a }',
        '  timestamp_format: iso8601',
        '  currency: GBP',
        'ingest: { out_dir: out, max_invalid_fraction: 0.01 }',
        "features: { test_cutoff: '2011-06-12', step_days: 28, count: 7 }",
      ].join('\n')
    )
    expect(loadParams(before).ingest).toEqual({
      out_dir: 'out',
      max_invalid_fraction: 0.01,
      duplicates: 'auto',
    })
    expect(() => loadParams(repoParams, ['ingest.duplicates=sometimes'])).toThrow(
      /ingest\.duplicates/
    )
  })

  it('requires amount or quantity with unit price, not both', () => {
    expect(() => loadParams(repoParams, ['data.columns.amount=Total'])).toThrow(
      /data\.columns: map either columns\.amount, or both/
    )
    expect(() => loadParams(repoParams, ['data.columns.unit_price=null'])).toThrow(/map either/)
  })

  it('wants positions for columns of a file without a header', () => {
    expect(() => loadParams(repoParams, ['data.header=false'])).toThrow(
      /data\.columns\.customer_id: the file has no header/
    )
  })

  it('rejects a bad exclusion pattern and a bad date', () => {
    expect(() => loadParams(repoParams, ['data.exclude_products.patterns=["("]'])).toThrow(
      /data\.exclude_products\.patterns\.0: not a regular expression/
    )
    expect(() => loadParams(repoParams, ['features.test_cutoff=12/06/2011'])).toThrow(
      /features\.test_cutoff: a date as YYYY-MM-DD/
    )
  })

  it('explains unreadable and non-mapping files', () => {
    expect(() => loadParams('/nonexistent/params.yaml')).toThrow(
      /cannot read params file \/nonexistent/
    )
    expect(() => loadParams(paramsFile('- a\n- b\n'))).toThrow(/must be a YAML mapping/)
    expect(() => loadParams(paramsFile('data: [unclosed\n'))).toThrow(/cannot read params file/)
  })
})

describe('applyOverride', () => {
  it('creates sections and refuses malformed assignments', () => {
    const doc: Record<string, unknown> = { a: 1 }
    applyOverride(doc, 'b.c=x=y')
    expect(doc).toEqual({ a: 1, b: { c: 'x=y' } })
    expect(() => applyOverride(doc, 'novalue')).toThrow(/key\.path=value/)
    expect(() => applyOverride(doc, 'a.b=1')).toThrow(/"a" is not a section/)
  })
})
