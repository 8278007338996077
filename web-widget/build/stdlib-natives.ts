// stdlib's math functions (core's portable exp, expm1, log and log1p) are the widget's; their
// packages also carry polyfills for engines without typed arrays or Object.defineProperty, and a
// printf for argument errors the widget never raises. Every browser the widget supports has the
// natives, so the build gives the polyfilled modules the natives they would pick anyway: the math
// is the same code, bit for bit (core's parity tests run it unaliased in Node and workerd). They are
// ES modules, as stdlib-esm.ts makes the modules that import them.

import type { Plugin } from 'vite'

const NATIVES: Record<string, string> = {
  '@stdlib/utils-define-property': 'export default Object.defineProperty',
  '@stdlib/utils-define-nonenumerable-read-only-property':
    'export default function (o, k, v) { Object.defineProperty(o, k, { configurable: false, enumerable: false, writable: false, value: v }) }',
  '@stdlib/utils-native-class':
    'export default function (x) { return Object.prototype.toString.call(x) }',
  '@stdlib/array-float64': 'export default Float64Array',
  '@stdlib/array-uint32': 'export default Uint32Array',
  '@stdlib/array-uint16': 'export default Uint16Array',
  '@stdlib/array-uint8': 'export default Uint8Array',
  '@stdlib/assert-is-little-endian':
    'export default new Uint8Array(new Uint16Array([1]).buffer)[0] === 1',
  '@stdlib/string-format':
    'export default function (f) { var a = arguments, i = 1; return String(f).replace(/%[a-z]/g, function () { return String(a[i++]) }) }',
}

const PREFIX = '\0fcv-native:'

export function stdlibNatives(): Plugin {
  return {
    name: 'fcv-stdlib-natives',
    enforce: 'pre',
    resolveId: (id) => (Object.hasOwn(NATIVES, id) ? PREFIX + id : null),
    load: (id) => (id.startsWith(PREFIX) ? NATIVES[id.slice(PREFIX.length)] : null),
  }
}
