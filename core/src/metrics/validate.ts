// Input checks shared by every metric. Errors are RangeErrors that name the function, the argument
// and the first offending index, so a bad row in a million is found without a debugger.

/** Throws unless `values` is non-empty and every entry is finite (and >= 0 when `nonNegative`). */
export function checkValues(
  fn: string,
  name: string,
  values: ArrayLike<number>,
  nonNegative = false
): void {
  const n = values.length
  if (n === 0) throw new RangeError(`${fn}: ${name} is empty`)
  for (let i = 0; i < n; i++) {
    const v = values[i] as number
    if (!Number.isFinite(v)) throw new RangeError(`${fn}: ${name}[${i}] = ${v} is not finite`)
    if (nonNegative && v < 0) throw new RangeError(`${fn}: ${name}[${i}] = ${v} is negative`)
  }
}

/** Throws unless `other` has the same length as `y`. */
export function checkLength(
  fn: string,
  name: string,
  other: ArrayLike<number>,
  y: ArrayLike<number>,
  yName = 'y'
): void {
  if (other.length !== y.length) {
    throw new RangeError(`${fn}: ${name} has length ${other.length} but ${yName} has ${y.length}`)
  }
}

/** The usual pair: y (labels, >= 0) and yhat (predictions, finite), of equal non-zero length. */
export function checkPair(fn: string, y: ArrayLike<number>, yhat: ArrayLike<number>): void {
  checkValues(fn, 'y', y, true)
  checkLength(fn, 'yhat', yhat, y)
  checkValues(fn, 'yhat', yhat)
}

/** Throws unless every entry of `values` lies in [lo, hi]. */
export function checkRange(
  fn: string,
  name: string,
  values: ArrayLike<number>,
  lo: number,
  hi: number
): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number
    if (!(v >= lo && v <= hi)) {
      throw new RangeError(`${fn}: ${name}[${i}] = ${v} is not in [${lo}, ${hi}]`)
    }
  }
}
