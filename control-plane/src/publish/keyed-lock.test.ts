import { describe, expect, it } from 'vitest'
import { KeyedLock } from './keyed-lock.ts'

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe('KeyedLock', () => {
  it('runs holders of one key one after the other, in order, and other keys alongside', async () => {
    const lock = new KeyedLock()
    const log: string[] = []
    const job = (key: string, name: string, ms: number) =>
      lock.run(key, async () => {
        log.push(`${name} start`)
        await tick(ms)
        log.push(`${name} end`)
        return name
      })
    const results = await Promise.all([job('m', 'a', 30), job('m', 'b', 1), job('n', 'c', 5)])
    expect(results).toEqual(['a', 'b', 'c'])
    expect(log).toEqual(['a start', 'c start', 'c end', 'a end', 'b start', 'b end'])
  })

  it('releases the key when a holder throws', async () => {
    const lock = new KeyedLock()
    await expect(lock.run('m', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom')
    expect(await lock.run('m', async () => 'next')).toBe('next')
  })
})
