/**
 * One holder at a time per key, in this process: a deployment change (push, then record) and a
 * reconciliation pass (read, compare, push) of the same model never interleave, so a pass cannot
 * push back the state a promotion is replacing.
 */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<void>>()

  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const before = this.tails.get(key) ?? Promise.resolve()
    let release!: () => void
    const mine = new Promise<void>((r) => (release = r))
    const tail = before.then(() => mine)
    this.tails.set(key, tail)
    await before
    try {
      return await fn()
    } finally {
      release()
      // The last holder leaves no entry behind: keys do not accumulate.
      if (this.tails.get(key) === tail) this.tails.delete(key)
    }
  }
}
