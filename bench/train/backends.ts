// The TensorFlow.js backends the benchmark times, and whether native TensorFlow loads here.

import { probe } from '../common.ts'

export const BACKENDS = ['native', 'js'] as const
export type Backend = (typeof BACKENDS)[number]

export type Availability = { available: true } | { available: false; reason: string }

/** The error line of a failed `require` (e.g. "Error: Cannot find module ..."), else the last line. */
function errorLine(stderr: string): string {
  const lines = stderr.split('\n').map((l) => l.trim())
  const error = lines.find((l) => /^[\w.]*Error\b.*:/.test(l))
  return error ?? lines.filter((l) => l !== '').at(-1) ?? 'no output'
}

/**
 * Native is available when `node -e "require('@tensorflow/tfjs-node')"` succeeds from the repo root
 * (its addon is built by scripts/build-tfjs-node.sh); the pure-JS backend always is.
 */
export async function availability(backend: Backend): Promise<Availability> {
  if (backend === 'js') return { available: true }
  const r = await probe(process.execPath, ['-e', "require('@tensorflow/tfjs-node')"])
  if (r.code === 0) return { available: true }
  return {
    available: false,
    reason: `require('@tensorflow/tfjs-node') fails: ${errorLine(r.stderr)}`,
  }
}
