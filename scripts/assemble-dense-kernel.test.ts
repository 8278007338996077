import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { assembleDenseKernel, KERNEL_WASM } from './assemble-dense-kernel.ts'

describe('dense-kernel.wasm', () => {
  it('is dense-kernel.wat as wabt assembles it', async () => {
    const committed = new Uint8Array(readFileSync(KERNEL_WASM))
    expect(Buffer.from(await assembleDenseKernel()).equals(Buffer.from(committed))).toBe(true)
    expect(WebAssembly.validate(committed)).toBe(true)
  })
})
