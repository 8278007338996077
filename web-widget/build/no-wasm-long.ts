// tfjs-core's `long` (64-bit integers) compiles a tiny Wasm module at import for faster i64 math,
// inside a try/catch that falls back to JS. A page under a strict CSP (no 'wasm-unsafe-eval')
// blocks the compile and reports a violation, though nothing fails. The widget's tfjs fallback is
// for such pages too, so its build leaves long on the JS path it would take there anyway.

import type { Plugin } from 'vite'

const LONG = /[\\/]node_modules[\\/]long[\\/]src[\\/]long\.js$/
const COMPILE = 'wasm = new WebAssembly.Instance(new WebAssembly.Module('

export function noWasmLong(): Plugin {
  return {
    name: 'fcv-no-wasm-long',
    transform(code, id) {
      if (!LONG.test(id)) return null
      if (!code.includes(COMPILE)) {
        // A long release that compiles Wasm another way would report violations again: say so.
        this.error(`${id}: its Wasm compile is not where fcv-no-wasm-long expects it`)
      }
      return { code: code.replace(COMPILE, 'wasm = null && (('), map: null }
    },
  }
}
