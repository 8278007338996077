/** A small map that forgets its least recently used entry beyond `capacity`. */
export class Lru<K, V> {
  private readonly entries = new Map<K, V>()
  private readonly capacity: number
  private readonly onEvict: ((value: V, key: K) => void) | undefined
  /** `onEvict` sees what capacity pushed out (not what delete() or set() replaced). */
  constructor(capacity: number, onEvict?: (value: V, key: K) => void) {
    this.capacity = capacity
    this.onEvict = onEvict
  }

  get(key: K): V | undefined {
    const value = this.entries.get(key)
    if (value !== undefined) {
      this.entries.delete(key)
      this.entries.set(key, value)
    }
    return value
  }

  /** Without touching the order. */
  peek(key: K): V | undefined {
    return this.entries.get(key)
  }

  set(key: K, value: V): void {
    this.entries.delete(key)
    this.entries.set(key, value)
    if (this.entries.size > this.capacity) {
      const [oldest, evicted] = this.entries.entries().next().value!
      this.entries.delete(oldest)
      this.onEvict?.(evicted, oldest)
    }
  }

  delete(key: K): void {
    this.entries.delete(key)
  }

  get size(): number {
    return this.entries.size
  }
}
