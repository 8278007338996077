// Loads TensorFlow.js on the fastest backend that works on this machine: native TensorFlow through
// @tensorflow/tfjs-node when its addon is built (scripts/build-tfjs-node.sh; its own install script
// cannot download libtensorflow any more), otherwise the pure-JS `cpu` backend of @tensorflow/tfjs.
// Model code takes the returned module and never imports either package, so it runs on both.

import type { TF } from './tf.ts'

export type BackendChoice = 'auto' | 'native' | 'js'

export interface LoadOptions {
  /** Default: env FCV_BACKEND, else 'auto' (native when it loads, else pure JS). */
  backend?: BackendChoice
}

export interface LoadedTensorFlow {
  tf: TF
  /** tfjs's name for the backend, recorded with trained models. */
  backend: 'tensorflow' | 'cpu'
  /** For logs, e.g. "native TensorFlow 2.15.1 (tfjs-node 4.22.0)". */
  description: string
}

const BUILD_HINT = 'build it with `bash scripts/build-tfjs-node.sh` (needs PyPI, g++, make)'

function choiceFromEnv(): BackendChoice {
  const value = process.env['FCV_BACKEND']
  if (value === undefined || value === '') return 'auto'
  if (value === 'auto' || value === 'native' || value === 'js') return value
  throw new Error(`FCV_BACKEND must be auto, native or js, not "${value}"`)
}

/** Both packages are CommonJS: a dynamic import gives the exports object as `default`. */
async function importTf(specifier: string): Promise<TF> {
  const ns = (await import(specifier)) as TF & { default?: TF }
  return ns.default ?? ns
}

/**
 * tfjs-node 4.22 (its last release) calls util.isArray and util.isNullOrUndefined, which Node 22
 * deprecates at run time (DEP0044, DEP0051): every command would print two warnings about code that
 * is not ours and will not change. Only those two codes are dropped; every other warning passes.
 */
function muteTfjsNodeDeprecations(): void {
  const emit = process.emitWarning
  if ((emit as { fcvFiltered?: boolean }).fcvFiltered) return
  const filtered = ((warning: string | Error, ...rest: unknown[]) => {
    const options = rest[0]
    const code =
      typeof options === 'object' && options !== null
        ? (options as { code?: string }).code
        : typeof rest[1] === 'string'
          ? rest[1]
          : undefined
    if (code === 'DEP0044' || code === 'DEP0051') return
    ;(emit as (...a: unknown[]) => void).call(process, warning, ...rest)
  }) as typeof process.emitWarning
  ;(filtered as { fcvFiltered?: boolean }).fcvFiltered = true
  process.emitWarning = filtered
}

async function loadNative(): Promise<LoadedTensorFlow> {
  // TensorFlow's C++ side logs straight to stderr (oneDNN and CPU-feature notices); 2 keeps errors.
  // It is read when libtensorflow loads, so it must be set before the import.
  process.env['TF_CPP_MIN_LOG_LEVEL'] ??= '2'
  muteTfjsNodeDeprecations()
  let tf: TF
  try {
    // A specifier in a variable: the package is optional, so tsc must not need its types and the
    // bundler must leave it alone (it is external in rolldown.config.ts anyway).
    const specifier = '@tensorflow/tfjs-node'
    tf = await importTf(specifier)
  } catch (err) {
    const reason = (err instanceof Error ? (err.message.split('\n')[0] ?? '') : String(err)).trim()
    throw new Error(
      `native TensorFlow (@tensorflow/tfjs-node) does not load: ${reason}; ${BUILD_HINT}`,
      { cause: err }
    )
  }
  // Explicit, because a pure-JS load earlier in the process may have switched the shared engine.
  if (!(await tf.setBackend('tensorflow'))) {
    throw new Error(`the tensorflow backend failed to initialise; ${BUILD_HINT}`)
  }
  const binding = (tf.backend() as unknown as { binding?: { TF_Version?: unknown } }).binding
  const tfVersion = typeof binding?.TF_Version === 'string' ? binding.TF_Version : 'unknown'
  // tfjs-node adds its own entry to tfjs's version map.
  const nodeVersion = (tf.version as Record<string, string | undefined>)['tfjs-node'] ?? '?'
  return {
    tf,
    backend: 'tensorflow',
    description: `native TensorFlow ${tfVersion} (tfjs-node ${nodeVersion})`,
  }
}

async function loadJs(nativeProblem?: string): Promise<LoadedTensorFlow> {
  const tf = await importTf('@tensorflow/tfjs')
  if (!(await tf.setBackend('cpu'))) throw new Error('the tfjs cpu backend failed to initialise')
  // The cpu backend prints a "Hi, looks like you are running TensorFlow.js in Node.js ... install our
  // node backend" banner on its first tensor; we already chose it knowingly. `firstUse` is the flag
  // behind that banner (tfjs-backend-cpu 4.22); the other ways off (PROD, IS_NODE flags) change
  // behaviour beyond the banner.
  const cpu = tf.backend() as unknown as { firstUse?: boolean }
  if (typeof cpu.firstUse === 'boolean') cpu.firstUse = false
  const why = nativeProblem === undefined ? '' : `; native TensorFlow not used: ${nativeProblem}`
  return { tf, backend: 'cpu', description: `pure JS cpu backend (tfjs ${tf.version.tfjs})${why}` }
}

/** Loads TensorFlow.js; `native` throws (naming the build script) when the addon does not load. */
export async function loadTensorFlow(options: LoadOptions = {}): Promise<LoadedTensorFlow> {
  const choice = options.backend ?? choiceFromEnv()
  if (choice === 'js') return loadJs()
  if (choice === 'native') return loadNative()
  try {
    return await loadNative()
  } catch (err) {
    return loadJs(err instanceof Error ? err.message : String(err))
  }
}
