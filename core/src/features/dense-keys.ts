// Scratch structures for dense integer keys (dictionary indices 0, 1, 2, ...), reused across calls:
// computeFeatures runs millions of times in training, and a Set or Map per call costs more than the
// arithmetic. An epoch stamp marks what belongs to the current call, so clearing is O(1).

export class DenseKeySlots {
  private stamp = new Int32Array(256)
  private slot = new Int32Array(256)
  private epoch = 0

  /** Forgets every key. */
  clear(): void {
    if (this.epoch === 0x7fffffff) {
      this.stamp.fill(0)
      this.epoch = 0
    }
    this.epoch++
  }

  /** The slot stored for key, or -1 when the key has not been seen since clear(). */
  get(key: number): number {
    return key < this.stamp.length && this.stamp[key] === this.epoch
      ? (this.slot[key] as number)
      : -1
  }

  set(key: number, slot: number): void {
    if (key >= this.stamp.length) this.grow(key)
    this.stamp[key] = this.epoch
    this.slot[key] = slot
  }

  private grow(key: number): void {
    const size = Math.max(key + 1, this.stamp.length * 2)
    const stamp = new Int32Array(size)
    const slot = new Int32Array(size)
    stamp.set(this.stamp)
    slot.set(this.slot)
    this.stamp = stamp
    this.slot = slot
  }
}
