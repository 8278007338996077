import { Counter, type Registry } from 'prom-client'

/** A prom-client counter that refuses a new label set beyond `max`. */
export class CappedCounter<L extends string> {
  private readonly keys = new Set<string>()
  private readonly counter: Counter<L>
  private readonly labelNames: readonly L[]
  private readonly max: number
  constructor(registry: Registry, o: { name: string; help: string; labelNames: L[] }, max: number) {
    this.counter = new Counter({ ...o, registers: [registry] })
    this.labelNames = o.labelNames
    this.max = max
  }

  /** False (and nothing counted) when the label set is new and the family is full. */
  inc(labels: Record<L, string>, n: number): boolean {
    const key = this.key(labels)
    if (!this.keys.has(key)) {
      if (this.keys.size >= this.max) return false
      this.keys.add(key)
    }
    this.counter.inc(labels, n)
    return true
  }

  private key(labels: Record<L, string>): string {
    return JSON.stringify(this.labelNames.map((n) => labels[n]))
  }
}
