// Money is summed in integer minor units (pence, cents). Binary floating point would leave a fully
// returned order at 1e-13 instead of 0, and a zero-inflated model would see a phantom buyer.

export class MoneyError extends Error {
  override name = 'MoneyError'
}

/** A decimal number held exactly as `units / 10^scale`. */
export interface Decimal {
  readonly units: number
  readonly scale: number
}

const MAX_SCALE = 9

/**
 * Parses a plain decimal string ("12", "-3.5", "+0.001", ".5") exactly. Returns undefined when the
 * text is not a decimal number; throws MoneyError when it has more digits than fit exactly.
 */
export function parseDecimal(text: string): Decimal | undefined {
  let i = 0
  const n = text.length
  let negative = false
  const c0 = text.charCodeAt(0)
  if (c0 === 45 /* - */ || c0 === 43 /* + */) {
    negative = c0 === 45
    i = 1
  }
  let units = 0
  let scale = 0
  let digits = 0
  let seenPoint = false
  for (; i < n; i++) {
    const c = text.charCodeAt(i)
    if (c >= 48 && c <= 57) {
      units = units * 10 + (c - 48)
      digits++
      if (seenPoint) scale++
    } else if (c === 46 /* . */ && !seenPoint) {
      seenPoint = true
    } else {
      return undefined
    }
  }
  if (digits === 0) return undefined
  if (!Number.isSafeInteger(units) || scale > MAX_SCALE) {
    throw new MoneyError(`decimal "${text}" has more digits than fcv keeps exactly`)
  }
  return { units: negative ? -units : units, scale }
}

/**
 * Rounds `units / 10^shift` to an integer, half away from zero (the rule shop receipts use).
 * Works on exact integers only.
 */
function shiftDown(units: number, shift: number): number {
  if (shift <= 0) return units * 10 ** -shift
  const div = 10 ** shift
  const q = Math.trunc(units / div)
  const r = units - q * div
  if (Math.abs(r) * 2 >= div) return q + Math.sign(units)
  return q
}

/** Converts a decimal amount to integer minor units (exponent 2 for GBP/USD/EUR, 0 for JPY). */
export function toMinorUnits(amount: Decimal, exponent: number): number {
  const out = shiftDown(amount.units, amount.scale - exponent)
  if (!Number.isSafeInteger(out)) throw new MoneyError('amount is too large to hold exactly')
  return out
}

/**
 * quantity x unit price in minor units, computed exactly and rounded once at the end, so a line of
 * 3 x 0.335 is 1.005 -> 101 pence, the same as a till would charge.
 */
export function lineAmountMinor(quantity: Decimal, unitPrice: Decimal, exponent: number): number {
  const product = quantity.units * unitPrice.units
  if (!Number.isSafeInteger(product))
    throw new MoneyError('quantity x price is too large to hold exactly')
  return toMinorUnits({ units: product, scale: quantity.scale + unitPrice.scale }, exponent)
}

/** Minor units back to a major-unit number for model inputs and display (never for summing). */
export function fromMinorUnits(minor: number, exponent: number): number {
  return minor / 10 ** exponent
}
