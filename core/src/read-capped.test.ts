import { describe, expect, it } from 'vitest'
import { readCapped } from './read-capped.ts'

function stream(chunks: number[][]): {
  body: ReadableStream<Uint8Array>
  cancelled: () => boolean
} {
  let cancelled = false
  let i = 0
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (i < chunks.length) controller.enqueue(Uint8Array.from(chunks[i++]!))
      else controller.close()
    },
    cancel() {
      cancelled = true
    },
  })
  return { body, cancelled: () => cancelled }
}

describe('readCapped', () => {
  it('joins the chunks of a body within the limit', async () => {
    const { body } = stream([[1, 2], [3], [4, 5, 6]])
    expect([...(await readCapped(body, 6, () => new Error('too large')))]).toEqual([
      1, 2, 3, 4, 5, 6,
    ])
  })

  it('stops at the chunk that passes the limit, cancels the stream and throws the given error', async () => {
    const { body, cancelled } = stream([
      [1, 2, 3],
      [4, 5],
      [6, 7, 8],
    ])
    await expect(readCapped(body, 4, () => new RangeError('over 4'))).rejects.toThrow('over 4')
    expect(cancelled()).toBe(true)
  })
})
