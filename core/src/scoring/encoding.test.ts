import { describe, expect, it } from 'vitest'
import type { FeatureVector } from '../features/compute.ts'
import {
  EncodingError,
  FeatureEncoder,
  encodeColumns,
  encodeFeatureVectors,
  encodeVectors,
  slog1p,
  type FeatureColumns,
} from './encoding.ts'
import { COUNTRIES, SPEC, exampleEncoding, randomVectors } from './test-models.ts'

const encoding = exampleEncoding()
const numericNames = encoding.numeric.map((e) => e.name)

/** The same rows as a table in columns, the trainer's layout. */
function columnsOf(vs: FeatureVector[]): FeatureColumns {
  const numeric: Record<string, Float64Array> = {}
  const categorical: Record<string, string[]> = {}
  SPEC.features.forEach((f, i) => {
    if (f.kind === 'numeric') numeric[f.name] = Float64Array.from(vs, (v) => v[i] as number)
    else categorical[f.name] = vs.map((v) => v[i] as string)
  })
  return { rows: vs.length, numeric, categorical }
}

describe('slog1p', () => {
  it('is odd, monotone and log1p on the positives', () => {
    expect(slog1p(0)).toBe(0)
    expect(slog1p(Math.E - 1)).toBeCloseTo(1, 15)
    expect(slog1p(-5)).toBe(-slog1p(5))
    expect(slog1p(-2)).toBeLessThan(slog1p(-1))
  })
})

describe('encoding', () => {
  it('standardises slog1p of each numeric feature and one-hots the country, "other" last', () => {
    const v = randomVectors(1, 3)[0]!
    v[SPEC.features.findIndex((f) => f.name === 'country')] = 'EIRE'
    const x = encodeFeatureVectors(encoding, SPEC, [v])
    expect(x).toHaveLength(39)
    encoding.numeric.forEach((e, j) => {
      const value = v[SPEC.features.findIndex((f) => f.name === e.name)] as number
      expect(x[j]).toBe(Math.fround((slog1p(value) - e.mean) / e.std))
    })
    const oneHot = Array.from(x.subarray(26))
    expect(oneHot).toEqual(COUNTRIES.map((c) => (c === 'EIRE' ? 1 : 0)).concat(0))
  })

  it('sends unseen and empty countries to the "other" column', () => {
    const encoder = new FeatureEncoder(encoding, SPEC)
    const v = randomVectors(1, 4)[0]!
    for (const country of ['Atlantis', '']) {
      v[26] = country
      const x = encodeVectors(encoder, [v])
      expect(Array.from(x.subarray(26))).toEqual([...COUNTRIES.map(() => 0), 1])
    }
  })

  it('encodes rows (serving) exactly as columns (training), bit for bit', () => {
    const vs = randomVectors(500, 5)
    const byRow = encodeVectors(new FeatureEncoder(encoding, SPEC), vs)
    const byColumn = encodeColumns(encoding, columnsOf(vs))
    // the float32 bit patterns, so -0 and 0 would differ too
    expect(new Uint32Array(byRow.buffer)).toEqual(new Uint32Array(byColumn.buffer))
  })

  it('reuses a given output buffer and clears the one-hot block of a reused row', () => {
    const encoder = new FeatureEncoder(encoding, SPEC)
    const [a, b] = randomVectors(2, 6)
    a![26] = 'Japan'
    b![26] = 'France'
    const out = new Float32Array(2 * 39)
    expect(encodeVectors(encoder, [a!, b!], out)).toBe(out)
    encoder.encodeRow(b!, out, 0)
    expect(Array.from(out.subarray(0, 39))).toEqual(Array.from(out.subarray(39)))
  })

  it('names the feature of a value it cannot encode', () => {
    const encoder = new FeatureEncoder(encoding, SPEC)
    const v = randomVectors(1, 7)[0]!
    expect(() => encodeVectors(encoder, [v.slice(1)])).toThrow(/has 27 values, not 26/)
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, '12']) {
      const w = [...v]
      w[15] = bad
      expect(() => encodeVectors(encoder, [w])).toThrow(
        new EncodingError(
          `feature "recency_days" (position 15): ${String(bad)} is not a finite number`
        )
      )
    }
    const w = [...v]
    w[26] = 3
    expect(() => encodeVectors(encoder, [w])).toThrow(
      /feature "country" \(position 26\): 3 is not a string/
    )
    const table = columnsOf(randomVectors(3, 8))
    ;(table.numeric['spend_30d'] as Float64Array)[2] = Number.NaN
    expect(() => encodeColumns(encoding, table)).toThrow(
      new EncodingError('column "spend_30d", row 2: NaN is not a finite number')
    )
    expect(() => encodeColumns(encoding, { ...table, numeric: {} })).toThrow(
      /no numeric column "spend_30d"/
    )
  })

  it('refuses an encoding that does not fit the spec', () => {
    expect(() => new FeatureEncoder({ ...encoding, width: 40 }, SPEC)).toThrow(/width is 40/)
    const renamed = { ...encoding, numeric: [{ ...encoding.numeric[0]!, name: 'spend_7d' }] }
    expect(() => new FeatureEncoder(renamed, SPEC)).toThrow(/"spend_7d" is not in feature spec v2/)
    const asNumeric = {
      ...encoding,
      numeric: [
        ...encoding.numeric,
        { name: 'country', transform: 'slog1p' as const, mean: 0, std: 1 },
      ],
    }
    expect(() => new FeatureEncoder(asNumeric, SPEC)).toThrow(/treats "country" as numeric/)
    const zeroStd = { ...encoding, numeric: [{ ...encoding.numeric[0]!, std: 0 }] }
    expect(() => new FeatureEncoder(zeroStd, SPEC)).toThrow(/std > 0/)
    expect(numericNames).toHaveLength(26)
  })
})
