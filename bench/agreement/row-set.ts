// Rows found in one output and not the other: counted, with the first few kept as examples. The
// ingest and the feature comparisons both report their differences in this shape.

export interface RowSetDifference {
  rowsA: number
  rowsB: number
  onlyA: number
  onlyB: number
  onlyAExamples: string[]
  onlyBExamples: string[]
}

export function emptyDifference(): RowSetDifference {
  return { rowsA: 0, rowsB: 0, onlyA: 0, onlyB: 0, onlyAExamples: [], onlyBExamples: [] }
}

/** Counts `count` rows present only on `side`, keeping `example` while there are fewer than `max`. */
export function noteOnly(
  d: RowSetDifference,
  side: 'A' | 'B',
  example: string,
  max: number,
  count = 1
): void {
  const examples = side === 'A' ? d.onlyAExamples : d.onlyBExamples
  if (side === 'A') d.onlyA += count
  else d.onlyB += count
  if (examples.length < max) examples.push(example)
}

/** The example lines printed under a difference's summary. */
export function differenceExamples(d: RowSetDifference, nameA: string, nameB: string): string[] {
  const width = Math.max(nameA.length, nameB.length)
  return [
    ...d.onlyAExamples.map((e) => `    only in ${`${nameA}:`.padEnd(width + 1)} ${e}`),
    ...d.onlyBExamples.map((e) => `    only in ${`${nameB}:`.padEnd(width + 1)} ${e}`),
  ]
}
