/**
 * Binary min-heap of (time, id) in typed arrays: the next order of every live customer plus pending
 * one-shot events, so the log comes out in time order while memory follows customers, not rows.
 */
export class EventQueue {
  private times = new Float64Array(1024)
  private ids = new Int32Array(1024)
  private length = 0

  get size(): number {
    return this.length
  }

  /** Time of the earliest event, Infinity when empty. */
  peekTime(): number {
    return this.length > 0 ? (this.times[0] as number) : Infinity
  }

  push(time: number, id: number): void {
    if (this.length === this.times.length) this.grow()
    let i = this.length++
    while (i > 0) {
      const parent = (i - 1) >> 1
      if ((this.times[parent] as number) <= time) break
      this.times[i] = this.times[parent] as number
      this.ids[i] = this.ids[parent] as number
      i = parent
    }
    this.times[i] = time
    this.ids[i] = id
  }

  /** Removes the earliest event and returns its id; call only when size > 0. */
  pop(): number {
    const top = this.ids[0] as number
    const last = --this.length
    const time = this.times[last] as number
    const id = this.ids[last] as number
    let i = 0
    for (;;) {
      let child = 2 * i + 1
      if (child >= last) break
      if (child + 1 < last && (this.times[child + 1] as number) < (this.times[child] as number)) {
        child++
      }
      if ((this.times[child] as number) >= time) break
      this.times[i] = this.times[child] as number
      this.ids[i] = this.ids[child] as number
      i = child
    }
    this.times[i] = time
    this.ids[i] = id
    return top
  }

  private grow(): void {
    const times = new Float64Array(this.times.length * 2)
    const ids = new Int32Array(this.ids.length * 2)
    times.set(this.times)
    ids.set(this.ids)
    this.times = times
    this.ids = ids
  }
}
