import { describe, expect, it } from 'vitest'
import { base64ToBytes, base64UrlToBytes, bytesToBase64, isBase64, sha256Hex } from './encoding.ts'

/** The obvious encoder, fine for small arrays: the oracle. */
function simpleBase64(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes))
}

describe('base64', () => {
  it('round-trips every byte value and agrees with btoa', () => {
    const bytes = Uint8Array.from({ length: 256 }, (_, i) => i)
    const text = bytesToBase64(bytes)
    expect(text).toBe(simpleBase64(bytes))
    expect(base64ToBytes(text)).toEqual(bytes)
    expect(bytesToBase64(new Uint8Array())).toBe('')
    expect(base64ToBytes('')).toEqual(new Uint8Array())
    for (let n = 0; n < 8; n++) {
      const head = bytes.subarray(250 - n, 250)
      expect(bytesToBase64(head)).toBe(simpleBase64(head))
      expect(base64ToBytes(bytesToBase64(head))).toEqual(head)
    }
  })

  it('handles arrays far larger than an argument list (8 MiB)', () => {
    const bytes = new Uint8Array(8 * 1024 * 1024)
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 2654435761) >>> 24
    const text = bytesToBase64(bytes)
    // Pieces of 3 * 4096 bytes encode to independent 16384-character runs, so the oracle can be
    // applied piece by piece. Compared by hand: vitest's deep equality does not scale to 8M items.
    const piece = 3 * 4096
    for (let i = 0; i < bytes.length; i += piece) {
      const expected = simpleBase64(bytes.subarray(i, i + piece))
      if (text.slice((i / 3) * 4, (i / 3) * 4 + expected.length) !== expected) {
        expect.fail(`base64 differs in the piece at byte ${i}`)
      }
    }
    const decoded = base64ToBytes(text)
    expect(decoded.length).toBe(bytes.length)
    for (let i = 0; i < bytes.length; i++) {
      if (decoded[i] !== bytes[i]) expect.fail(`decoded byte ${i} differs`)
    }
    expect(isBase64(text)).toBe(true)
  })

  it('accepts only standard padded base64', () => {
    for (const ok of ['', 'AA==', 'AAA=', 'AAAA', 'ab+/Zz09']) expect(isBase64(ok)).toBe(true)
    for (const bad of ['A', 'AA', 'AA=', 'A===', '====', 'AA==AA==', 'ab-_', 'AA AA', 'AAAA\n']) {
      expect(isBase64(bad), bad).toBe(false)
    }
    expect(() => base64ToBytes('AA')).toThrow(TypeError)
    // A regex that repeats 4-character groups overflows its backtracking stack on this.
    expect(isBase64('AAAA'.repeat(10_000_000) + 'AA==')).toBe(true)
    expect(isBase64('AAAA'.repeat(10_000_000) + 'A!==')).toBe(false)
  })

  it('decodes unpadded base64url (JWK)', () => {
    // Standard: "+//+AQ==".
    expect(base64UrlToBytes('-__-AQ')).toEqual(Uint8Array.from([0xfb, 0xff, 0xfe, 0x01]))
  })
})

describe('sha256Hex', () => {
  it('matches the FIPS 180-2 "abc" vector', async () => {
    expect(await sha256Hex(new TextEncoder().encode('abc'))).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'
    )
  })

  it('hashes only the view, not the whole underlying buffer', async () => {
    const whole = new TextEncoder().encode('xxabcxx')
    expect(await sha256Hex(whole.subarray(2, 5))).toBe(
      await sha256Hex(new TextEncoder().encode('abc'))
    )
  })
})
