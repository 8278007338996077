/** A CLI option's value as a positive integer, or a RangeError naming the option. */
export function positiveInt(name: string, text: string): number {
  const n = Number(text)
  if (!Number.isSafeInteger(n) || n < 1)
    throw new RangeError(`--${name} must be a positive integer, got "${text}"`)
  return n
}
