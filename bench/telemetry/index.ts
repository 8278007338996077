// The telemetry ingest benchmark: the control plane as its own process on loopback, on a real
// throwaway PostgreSQL (and on PGlite in a data directory), under sustained POST /v1/telemetry of
// distinct, realistic reports (autocannon; a reporter token, as the Worker sends). Figures:
// reports/s and events/s, p50/p99 of the call, database rows written and transactions per second
// (the store's own counters on /metrics), and a check that every accepted report is stored.
//   npm run bench -- telemetry [--quick] [--duration S] [--connections N] [--database postgres|pglite|both]

import autocannon from 'autocannon'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import pg from 'pg'
import { startPostgresCluster } from '../../control-plane/src/db/test-postgres.ts'
import { ADMIN_TOKEN } from '../../control-plane/src/test-support/harness.ts'
import { startControlPlane } from '../../control-plane/src/test-support/process.ts'
import { log, machineInfo, saveResults } from '../common.ts'
import { figure, notApplicable, target, targetLine } from '../targets.ts'
import { eventsOf, ISOLATE, reportOf, SIZES } from './reports.ts'

const USAGE =
  'usage: npm run bench -- telemetry [--quick (5 s; key "telemetry:quick")] [--duration S (15)] [--connections N (32)] [--database postgres|pglite|both (both)] [--customers N[,N...] (5,20,60,150,400,1000: customers per report)]'
/** The target. */
const TARGET_EVENTS_PER_S = 20_000

interface Options {
  quick: boolean
  duration: number
  connections: number
  database: 'postgres' | 'pglite' | 'both'
  /** Customers per report, one template each (a quiet isolate's report is small). */
  sizes: readonly number[]
}

function parse(argv: string[]): Options | null {
  const quick = argv.includes('--quick') || process.env['FCV_BENCH_QUICK'] === '1'
  const o: Options = {
    quick,
    duration: quick ? 5 : 15,
    connections: 32,
    database: 'both',
    sizes: SIZES,
  }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    if (a === '--help' || a === '-h') return null
    if (a === '--quick') continue
    const raw = argv[++i]
    if (a === '--database') {
      if (raw !== 'postgres' && raw !== 'pglite' && raw !== 'both')
        throw new Error(`--database is postgres, pglite or both\n${USAGE}`)
      o.database = raw
      continue
    }
    if (a === '--customers') {
      const sizes = (raw ?? '').split(',').map(Number)
      if (!sizes.every((n) => Number.isInteger(n) && n > 0 && n <= 1000))
        throw new Error(`--customers is a list of whole numbers from 1 to 1000\n${USAGE}`)
      o.sizes = sizes
      continue
    }
    const value = Number(raw)
    if (!Number.isInteger(value) || value <= 0)
      throw new Error(`${a} needs a positive integer\n${USAGE}`)
    if (a === '--duration') o.duration = value
    else if (a === '--connections') o.connections = value
    else throw new Error(`unknown option ${a}\n${USAGE}`)
  }
  return o
}

const round = (x: number, d = 0) => Number(x.toFixed(d))

/** A sample of the control plane's /metrics, summed over label sets matching `labels`. */
async function metric(url: string, name: string, labels = ''): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text()
  let total = 0
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue
    if (labels && !line.includes(labels)) continue
    total += Number(line.slice(line.lastIndexOf(' ') + 1))
  }
  return total
}

async function runOn(kind: 'postgres' | 'pglite', o: Options) {
  const cluster = kind === 'postgres' ? await startPostgresCluster() : null
  if (cluster) {
    // The throwaway cluster runs with synchronous_commit off; measure what production runs.
    const c = new pg.Client({ connectionString: cluster.url })
    await c.connect()
    await c.query('alter database postgres set synchronous_commit = on')
    await c.end()
  }
  const cp = await startControlPlane({
    ...(cluster
      ? { DATABASE_URL: cluster.url }
      : { FCV_DATA_DIR: path.join(mkdtempSync(path.join(tmpdir(), 'fcv-bench-tm-')), 'pglite') }),
    // Nothing here talks to MLflow; a closed port keeps it that way.
    MLFLOW_TRACKING_URI: 'http://127.0.0.1:9',
    FCV_ADMIN_TOKEN: ADMIN_TOKEN,
    LOG_LEVEL: 'error',
  })
  try {
    const created = await fetch(`${cp.url}/v1/tokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'bench-reporter', role: 'reporter' }),
    })
    const { token } = (await created.json()) as { token: string }
    // One template per size, with and without a widget section; a new isolate per request.
    const windowEnd = Math.floor(Date.now() / 60_000) * 60_000
    const templates = o.sizes.flatMap((size, i) =>
      [false, true].map((widget) => {
        const p = reportOf(size, windowEnd - (i % 3) * 60_000, widget)
        return { body: JSON.stringify(p), events: eventsOf(p) }
      })
    )
    const meanEvents = templates.reduce((a, t) => a + t.events, 0) / templates.length
    const meanBytes = templates.reduce((a, t) => a + t.body.length, 0) / templates.length
    let sent = 0
    const before = {
      rows: await metric(cp.url, 'fcv_telemetry_store_rows_written_total'),
      tx: await metric(cp.url, 'fcv_telemetry_store_batches_total', 'outcome="committed"'),
      stored: await metric(cp.url, 'fcv_telemetry_store_reports_total', 'outcome="stored"'),
    }
    log(
      `${kind}: ${o.connections} connections for ${o.duration} s, reports of ${o.sizes.join('/')} customers (mean ${round(meanEvents)} events, ${round(meanBytes / 1024, 1)} KiB)`
    )
    const r = await autocannon({
      url: `${cp.url}/v1/telemetry`,
      method: 'POST',
      connections: o.connections,
      duration: o.duration,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      requests: [
        {
          setupRequest: (req) => {
            const t = templates[sent % templates.length]!
            return { ...req, body: t.body.replace(ISOLATE, `bench-${kind}-${sent++}`) }
          },
        },
      ],
    })
    const ok = r['2xx']
    // Requests in flight when autocannon stopped may still commit (and are not in its 2xx).
    await new Promise((done) => setTimeout(done, 500))
    const after = {
      rows: await metric(cp.url, 'fcv_telemetry_store_rows_written_total'),
      tx: await metric(cp.url, 'fcv_telemetry_store_batches_total', 'outcome="committed"'),
      stored: await metric(cp.url, 'fcv_telemetry_store_reports_total', 'outcome="stored"'),
    }
    // autocannon sends in template order, so the accepted reports' events are known exactly only
    // when all were accepted; otherwise the mean is used (and the run fails anyway).
    const events = r.non2xx === 0 ? sumEvents(templates, ok) : ok * meanEvents
    let inDatabase: number | null = null
    if (cluster) {
      const c = new pg.Client({ connectionString: cluster.url })
      await c.connect()
      const res = await c.query<{ n: number }>(
        `select count(*)::int as n from telemetry_reports where isolate like 'bench-%'`
      )
      inDatabase = res.rows[0]!.n
      await c.end()
    }
    const seconds = o.duration
    return {
      reports_per_s: round(ok / seconds),
      events_per_s: round(events / seconds),
      events_per_report_mean: round(meanEvents, 1),
      report_kib_mean: round(meanBytes / 1024, 1),
      ingest_p50_ms: r.latency.p50,
      ingest_p99_ms: r.latency.p99,
      rows_written_per_s: round((after.rows - before.rows) / seconds),
      transactions_per_s: round((after.tx - before.tx) / seconds),
      reports_per_transaction: round((after.stored - before.stored) / (after.tx - before.tx), 1),
      accepted: ok,
      non2xx: r.non2xx,
      errors: r.errors + r.timeouts,
      sent,
      stored: after.stored - before.stored,
      in_database: inDatabase,
    }
  } finally {
    await cp.kill('SIGTERM')
    await cluster?.stop()
  }
}

/**
 * Every accepted report is stored, and nothing more than was sent (requests cut off by the end of
 * the run may be stored without autocannon counting their answer): how far the stored count is
 * outside accepted..sent, plus any mismatch between the database and the store's counter.
 */
function lostReports(r: {
  accepted: number
  sent: number
  stored: number
  in_database: number | null
}): number {
  const outside = Math.max(0, r.accepted - r.stored) + Math.max(0, r.stored - r.sent)
  return outside + (r.in_database === null ? 0 : Math.abs(r.in_database - r.stored))
}

function sumEvents(templates: { events: number }[], n: number): number {
  let total = 0
  for (let i = 0; i < n; i++) total += templates[i % templates.length]!.events
  return total
}

export async function telemetryBenchmark(argv: string[]): Promise<number> {
  const o = parse(argv)
  if (!o) {
    process.stdout.write(USAGE + '\n')
    return 0
  }
  const kinds = o.database === 'both' ? (['postgres', 'pglite'] as const) : [o.database]
  const results: Record<string, Awaited<ReturnType<typeof runOn>>> = {}
  for (const kind of kinds) results[kind] = await runOn(kind, o)
  const lines = Object.entries(results).map(([k, r]) =>
    [
      k.padEnd(9),
      `${r.reports_per_s} reports/s`.padEnd(17),
      `${r.events_per_s} events/s`.padEnd(17),
      `p50 ${r.ingest_p50_ms} / p99 ${r.ingest_p99_ms} ms`.padEnd(22),
      `${r.rows_written_per_s} rows/s`.padEnd(14),
      `${r.transactions_per_s} tx/s (${r.reports_per_transaction} reports/tx)`,
    ].join(' ')
  )
  const events = 'ingested events/s into PostgreSQL'
  const targets = [
    results['postgres']
      ? target(
          events,
          results['postgres'].events_per_s,
          'events/s',
          '>=',
          TARGET_EVENTS_PER_S,
          `${results['postgres'].reports_per_s} reports/s x ${results['postgres'].events_per_report_mean} events`
        )
      : notApplicable(events, 'events/s', '>=', TARGET_EVENTS_PER_S, '--database pglite'),
    ...Object.entries(results).map(([k, r]) =>
      target(
        `${k}: accepted reports not stored, or stored beyond those sent`,
        lostReports(r),
        'reports',
        '=',
        0,
        `${r.accepted} accepted, ${r.stored} stored, ${r.sent} sent`
      )
    ),
  ]
  const counts = Object.entries(results).map(
    ([k, r]) =>
      `${k}: ${r.events_per_s} events/s = ${r.reports_per_s} reports/s x ${r.events_per_report_mean} events per report; ` +
      `${r.accepted} reports accepted, ${r.non2xx} refused, ${r.errors} errors`
  )
  process.stdout.write(
    [
      '',
      `telemetry ingest, loopback, ${o.connections} connections, ${o.duration} s; an event is one request outcome, customer scored (champion or shadow) or widget score call`,
      ...lines,
      ...counts,
      '',
      ...targets.map(targetLine),
      '',
    ].join('\n')
  )
  const headline = Object.entries(results).flatMap(([k, r]) => [
    figure(`${k}: reports/s`, r.reports_per_s),
    figure(`${k}: events/s`, r.events_per_s),
    figure(`${k}: ingest call p50 / p99`, `${r.ingest_p50_ms} / ${r.ingest_p99_ms}`, 'ms'),
    figure(`${k}: database rows written/s`, r.rows_written_per_s),
  ])
  // Smoke runs (--quick) go under their own key so they never replace the full figures.
  saveResults(o.quick ? 'telemetry:quick' : 'telemetry', {
    machine: machineInfo(undefined),
    options: o,
    event:
      'one predict request outcome, one customer scored (champion or shadow), or one widget score call',
    target_events_per_s: TARGET_EVENTS_PER_S,
    ...results,
    headline,
    targets,
  })
  const failed = Object.entries(results).filter(
    ([, r]) => r.non2xx + r.errors > 0 || lostReports(r) > 0
  )
  if (failed.length) {
    process.stderr.write(
      `bench telemetry: FAILED on ${failed.map(([k]) => k).join(', ')}: reports refused, errors, or accepted reports not stored (see above)\n`
    )
  }
  return failed.length ? 1 : 0
}
