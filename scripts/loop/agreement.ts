// The check of the loop: the same customers scored by the three runtimes (the Worker at the edge,
// the widget in the browser, the trainer offline with `fcv score`) must agree to the bit, since all
// three run core's one implementation of the features and the model.

export const FIELDS = ['expected', 'pBuy', 'p10', 'p50', 'p90'] as const
export type Field = (typeof FIELDS)[number]
export type Scores = Record<Field, number> & { modelVersion: string }
export const RUNTIMES = ['edge', 'widget', 'offline'] as const
export type Runtime = (typeof RUNTIMES)[number]

export interface CustomerScores {
  customerId: string
  /** Missing when that runtime gave no prediction for the customer. */
  by: Partial<Record<Runtime, Scores>>
}

export interface Disagreement {
  customerId: string
  what: string
}

/** Every way the runtimes disagree; empty when they agree to the bit on every customer. */
export function disagreements(rows: readonly CustomerScores[], version: string): Disagreement[] {
  const out: Disagreement[] = []
  if (rows.length === 0) out.push({ customerId: '-', what: 'no customer was scored' })
  for (const r of rows) {
    for (const runtime of RUNTIMES) {
      const s = r.by[runtime]
      if (!s) {
        out.push({ customerId: r.customerId, what: `${runtime}: no prediction` })
      } else if (s.modelVersion !== version) {
        out.push({
          customerId: r.customerId,
          what: `${runtime}: scored by version ${s.modelVersion}, not ${version}`,
        })
      }
    }
    const edge = r.by.edge
    if (!edge) continue
    for (const runtime of ['widget', 'offline'] as const) {
      const other = r.by[runtime]
      if (!other) continue
      for (const f of FIELDS) {
        // Object.is: the same float64 (0 and -0 apart), not a close one.
        if (!Object.is(edge[f], other[f])) {
          out.push({
            customerId: r.customerId,
            what: `${f}: edge ${edge[f]} but ${runtime} ${other[f]} (difference ${other[f] - edge[f]})`,
          })
        }
      }
    }
  }
  return out
}

/** The customers' predictions side by side, as the check prints them. */
export function agreementTable(rows: readonly CustomerScores[], currency: string): string[] {
  const fmt = (x: number | undefined, digits: number) => (x === undefined ? '-' : x.toFixed(digits))
  const header = [
    'customer',
    `expected ${currency}`,
    'P(buy)',
    'P10',
    'P90',
    'edge = widget = offline',
  ]
  const body = rows.map((r) => {
    const e = r.by.edge
    const same =
      e !== undefined &&
      (['widget', 'offline'] as const).every((k) => {
        const o = r.by[k]
        return o !== undefined && FIELDS.every((f) => Object.is(e[f], o[f]))
      })
    return [
      r.customerId,
      fmt(e?.expected, 2),
      fmt(e?.pBuy, 3),
      fmt(e?.p10, 2),
      fmt(e?.p90, 2),
      same ? 'yes, to the bit' : 'NO',
    ]
  })
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)))
  const line = (cells: string[]) =>
    cells
      .map((c, i) =>
        i === 0 || i === cells.length - 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)
      )
      .join('  ')
  return [line(header), ...body.map(line)].map((l) => l.trimEnd())
}
