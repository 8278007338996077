/**
 * A job run now and then every interval, one run at a time. A run that fails (returns false or
 * throws) is retried sooner: base, 2x base, 4x base... (with jitter), never later than the interval.
 */
export class Periodic {
  /** Runs in a row that failed. */
  failures = 0
  private next = 0
  private timer: NodeJS.Timeout | null = null
  private running: Promise<void> | null = null
  private started = false
  private readonly job: () => Promise<boolean>
  private readonly intervalMs: number
  private readonly backoffBaseMs: number
  private readonly now: () => number

  constructor(
    job: () => Promise<boolean>,
    o: { intervalMs: number; backoffBaseMs?: number; now?: () => number }
  ) {
    this.job = job
    this.intervalMs = o.intervalMs
    this.backoffBaseMs = Math.min(o.backoffBaseMs ?? 1000, o.intervalMs)
    this.now = o.now ?? Date.now
  }

  start(): void {
    if (this.started) return
    this.started = true
    this.next = this.now()
    this.schedule()
  }

  /** Stops the schedule and waits for a run in flight. */
  async stop(): Promise<void> {
    this.started = false
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    await this.running
  }

  /** Run again now (after the one in flight, if any), if started. */
  nudge(): void {
    if (!this.started) return
    this.next = this.now()
    this.schedule()
  }

  /** One run now, after any in flight; resolves when it is done. */
  runNow(): Promise<void> {
    const previous = this.running ?? Promise.resolve()
    const run: Promise<void> = previous
      .then(() => this.once())
      .finally(() => {
        if (this.running === run) this.running = null
        this.schedule()
      })
    this.running = run
    return run
  }

  /** When the next run is due; null when stopped or running. */
  get nextAt(): number | null {
    return this.started && !this.running ? this.next : null
  }

  private async once(): Promise<void> {
    const ok = await this.job().catch(() => false)
    this.failures = ok ? 0 : this.failures + 1
    this.next = this.now() + (ok ? this.intervalMs : this.backoff())
  }

  private backoff(): number {
    const wait = Math.min(this.intervalMs, this.backoffBaseMs * 2 ** (this.failures - 1))
    return wait * (0.75 + Math.random() * 0.25)
  }

  private schedule(): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    if (!this.started || this.running) return
    this.timer = setTimeout(
      () => {
        this.timer = null
        void this.runNow()
      },
      Math.max(0, this.next - this.now())
    )
    this.timer.unref()
  }
}
