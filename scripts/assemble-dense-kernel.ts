// Assembles core's dense kernel (core/src/scoring/dense-kernel.wat) into the dense-kernel.wasm next
// to it, with wabt. The .wasm is committed, so no runtime or bundler needs wabt; a test checks that
// it is this file's output. `node scripts/assemble-dense-kernel.ts` writes it; `--check` exits 1
// when the committed one differs.

import { readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import initWabt from 'wabt'

const DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'core', 'src', 'scoring')
export const KERNEL_WAT = path.join(DIR, 'dense-kernel.wat')
export const KERNEL_WASM = path.join(DIR, 'dense-kernel.wasm')

export async function assembleDenseKernel(): Promise<Uint8Array> {
  const wabt = await initWabt()
  const module = wabt.parseWat(KERNEL_WAT, readFileSync(KERNEL_WAT, 'utf8'), { simd: true })
  try {
    module.validate()
    return Uint8Array.from(module.toBinary({}).buffer)
  } finally {
    module.destroy()
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const bytes = await assembleDenseKernel()
  if (process.argv.includes('--check')) {
    const same = Buffer.from(readFileSync(KERNEL_WASM)).equals(Buffer.from(bytes))
    console.log(
      same ? `${KERNEL_WASM} is up to date` : `${KERNEL_WASM} differs: run without --check`
    )
    process.exit(same ? 0 : 1)
  }
  writeFileSync(KERNEL_WASM, bytes)
  console.log(`wrote ${KERNEL_WASM} (${bytes.length} bytes)`)
}
