/**
 * The one spelling of a JSON value that signatures are computed over, so signer and verifier agree
 * byte for byte whoever serialised the document: RFC 8785 (JCS). Object keys are sorted by UTF-16
 * code units at every level, there is no whitespace, arrays keep their order, and numbers and
 * strings are written as JSON.stringify writes them (which is what RFC 8785 specifies).
 *
 * For data that came from JSON.parse the output is RFC 8785's. The differences are in which
 * JavaScript values are accepted, and all of them fail loudly rather than sign something unexpected:
 * - only plain objects, arrays, strings, finite numbers, booleans and null; no toJSON() is called, so
 *   a Date, Map or typed array throws instead of turning into a string or `{}`;
 * - an object property whose value is undefined is left out, as JSON.stringify does, so an unset
 *   optional field signs the same as an absent one; undefined anywhere else throws (JSON.stringify
 *   would write null into an array);
 * - functions, symbols, bigints, non-finite numbers and cycles throw;
 * - strings and keys with a lone surrogate throw (RFC 8785 requires this; JSON.stringify would
 *   escape them).
 */
export function canonicalJson(value: unknown): string {
  return write(value, '$', new Set())
}

// Only lone surrogates match: with the u flag a valid pair is one astral code point.
const LONE_SURROGATE = /\p{Cs}/u
const IDENTIFIER = /^[A-Za-z_$][\w$]*$/

function write(value: unknown, path: string, open: Set<object>): string {
  switch (typeof value) {
    case 'string':
      return writeString(value, path)
    case 'number':
      if (!Number.isFinite(value)) fail(path, `${value} has no JSON form`)
      return JSON.stringify(value)
    case 'boolean':
      return value ? 'true' : 'false'
    case 'object':
      if (value === null) return 'null'
      if (open.has(value)) fail(path, 'cycle')
      open.add(value)
      try {
        return Array.isArray(value) ? writeArray(value, path, open) : writeObject(value, path, open)
      } finally {
        open.delete(value)
      }
    default:
      return fail(path, `${typeof value} has no JSON form`)
  }
}

function writeString(text: string, path: string): string {
  if (LONE_SURROGATE.test(text)) fail(path, 'string with a lone surrogate')
  return JSON.stringify(text)
}

function writeArray(items: readonly unknown[], path: string, open: Set<object>): string {
  const parts: string[] = []
  // An index loop, not map(): map skips holes, and a hole must throw like undefined does.
  for (let i = 0; i < items.length; i++) parts.push(write(items[i], `${path}[${i}]`, open))
  return `[${parts.join(',')}]`
}

function writeObject(object: object, path: string, open: Set<object>): string {
  const proto: unknown = Object.getPrototypeOf(object)
  if (proto !== Object.prototype && proto !== null) {
    fail(path, `${object.constructor?.name ?? 'object'} is not a plain object`)
  }
  const record = object as Record<string, unknown>
  const parts: string[] = []
  // Array.prototype.sort without a comparator compares UTF-16 code units, as RFC 8785 asks.
  for (const key of Object.keys(record).sort()) {
    const item = record[key]
    if (item === undefined) continue
    const at = IDENTIFIER.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`
    parts.push(`${writeString(key, at)}:${write(item, at, open)}`)
  }
  return `{${parts.join(',')}}`
}

function fail(path: string, problem: string): never {
  throw new TypeError(`canonicalJson: ${problem} at ${path}`)
}
