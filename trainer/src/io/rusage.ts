import { writeFileSync } from 'node:fs'

/**
 * When FCV_RUSAGE_OUT names a file, writes this process's peak RSS and CPU time there at exit, so
 * benchmarks measure the real process rather than guess from outside.
 */
export function recordResourceUsageAtExit(path: string | undefined): void {
  if (!path) return
  process.once('exit', () => {
    const u = process.resourceUsage()
    const figures = {
      maxRssKb: u.maxRSS,
      userMs: u.userCPUTime / 1000,
      systemMs: u.systemCPUTime / 1000,
      // performance.now() counts from process start.
      wallMs: performance.now(),
    }
    writeFileSync(path, JSON.stringify(figures) + '\n')
  })
}
