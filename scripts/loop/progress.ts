// What the loop prints while it works: each step numbered, with its time, and the moments a person
// waits for (the first prediction at the edge and in the widget) measured from when main.sh started.

export interface Progress {
  /** Runs one step, printing `[loop] n/N name ...` and its seconds, or its failure. */
  step<T>(name: string, run: () => Promise<T>): Promise<T>
  /** A line under the current step. */
  info(line: string): void
  /** Seconds since main.sh started (before setup), at this moment. */
  sinceStart(): number
  /** Named moments, in seconds since main.sh started. */
  mark(name: string, seconds?: number): void
  marks: Record<string, number>
}

export class StepFailed extends Error {
  readonly stepName: string
  constructor(stepName: string, cause: unknown) {
    super(`${stepName}: ${(cause as Error).message ?? String(cause)}`, { cause })
    this.stepName = stepName
  }
}

export function createProgress(
  total: number,
  startedAtMs: number,
  write: (line: string) => void = (l) => process.stdout.write(`${l}\n`)
): Progress {
  let n = 0
  const marks: Record<string, number> = {}
  const sinceStart = () => Math.round((Date.now() - startedAtMs) / 100) / 10
  return {
    marks,
    sinceStart,
    info: (line) => write(`[loop]       ${line}`),
    mark(name, seconds) {
      marks[name] = seconds ?? sinceStart()
    },
    async step(name, run) {
      n += 1
      const t0 = Date.now()
      write(`[loop] ${n}/${total} ${name} ...`)
      try {
        const value = await run()
        write(`[loop] ${n}/${total} ${name}: done in ${((Date.now() - t0) / 1000).toFixed(1)} s`)
        return value
      } catch (e) {
        write(
          `[loop] ${n}/${total} ${name}: FAILED after ${((Date.now() - t0) / 1000).toFixed(1)} s`
        )
        throw e instanceof StepFailed ? e : new StepFailed(name, e)
      }
    },
  }
}
