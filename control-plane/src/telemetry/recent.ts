// Bounded memory of what reported lately: both evict the oldest entry beyond their capacity, so
// no number of clients can grow them.

/** Keys seen recently (least recently seen evicted first). */
export class RecentKeys {
  private readonly keys = new Set<string>()
  private readonly capacity: number
  constructor(capacity: number) {
    this.capacity = capacity
  }

  /** True when the key was seen already (it becomes the most recent); otherwise remembers it. */
  seen(key: string): boolean {
    const had = this.keys.delete(key)
    this.keys.add(key)
    if (this.keys.size > this.capacity) this.keys.delete(this.keys.values().next().value!)
    return had
  }
}

/** Distinct ids that reported within the last `windowMs`. */
export class RecentReporters {
  private readonly last = new Map<string, number>()
  private readonly windowMs: number
  private readonly capacity: number
  constructor(windowMs: number, capacity: number) {
    this.windowMs = windowMs
    this.capacity = capacity
  }

  report(id: string, now: number): void {
    this.last.delete(id)
    this.last.set(id, now)
    if (this.last.size > this.capacity) this.last.delete(this.last.keys().next().value!)
  }

  count(now: number): number {
    // Oldest first (report() re-inserts), so expiry stops at the first recent one.
    for (const [id, at] of this.last) {
      if (at > now - this.windowMs) break
      this.last.delete(id)
    }
    return this.last.size
  }
}
