// data.exclude_products: codes that are not products (postage, fees, adjustments) and patterns for
// families of them. Checked on every row, so the common answer ("not excluded") comes from a single
// regular expression over the code: measured 3x faster than a Map or Set lookup of a fresh string.

/** Returns why a product code is excluded, or null when it is a product. */
export type ProductExclusion = (code: string) => string | null

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')
}

/** Patterns that cannot be joined with others: numbered or named backreferences would shift. */
const UNJOINABLE = /\\[1-9]|\\k<|\(\?</

export function makeProductExclusion(
  codes: readonly string[],
  patterns: readonly string[]
): ProductExclusion {
  if (codes.length === 0 && patterns.length === 0) return () => null
  const exact = new Set(codes)
  const regexps = patterns.map((p) => new RegExp(p))
  const alternatives = [
    ...codes.map((c) => `^(?:${escapeRegExp(c)})$`),
    ...patterns.map((p) => `(?:${p})`),
  ]
  const any = patterns.some((p) => UNJOINABLE.test(p)) ? null : new RegExp(alternatives.join('|'))
  return (code) => {
    if (any !== null && !any.test(code)) return null
    if (exact.has(code)) return `"${code}" is in data.exclude_products.codes`
    const hit = regexps.find((r) => r.test(code))
    return hit ? `"${code}" matches data.exclude_products.patterns /${hit.source}/` : null
  }
}
