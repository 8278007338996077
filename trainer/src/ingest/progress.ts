// One progress line about every second: rows so far, how much of the (compressed) file has been read,
// and the rate, so a long ingest shows it is alive and roughly how long it has left.

const MB = 1024 * 1024

export function formatCount(n: number): string {
  return n.toLocaleString('en-US')
}

export class ProgressMeter {
  private readonly log: (line: string) => void
  private readonly totalBytes: number
  private readonly enabled: boolean
  private readonly intervalMs: number
  private readonly started = performance.now()
  private nextAt: number

  constructor(
    log: (line: string) => void,
    totalBytes: number,
    enabled: boolean,
    intervalMs = 1000
  ) {
    this.log = log
    this.totalBytes = totalBytes
    this.enabled = enabled
    this.intervalMs = intervalMs
    this.nextAt = this.started + intervalMs
  }

  update(rows: number, bytesRead: number): void {
    if (!this.enabled) return
    const now = performance.now()
    if (now < this.nextAt) return
    this.nextAt = now + this.intervalMs
    const seconds = (now - this.started) / 1000
    const share = this.totalBytes > 0 ? Math.min(100, (100 * bytesRead) / this.totalBytes) : 100
    this.log(
      `ingest: ${formatCount(rows)} rows, ${(bytesRead / MB).toFixed(1)} of ` +
        `${(this.totalBytes / MB).toFixed(1)} MB (${share.toFixed(0)}%), ` +
        `${formatCount(Math.round(rows / seconds))} rows/s`
    )
  }
}
