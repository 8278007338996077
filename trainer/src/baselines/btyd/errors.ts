import type { MinimizeResult } from './minimize.ts'

/** How a maximum-likelihood fit ended. */
export interface Convergence {
  readonly converged: boolean
  readonly iterations: number
  readonly evaluations: number
  /** Largest gradient component of the objective (mean negative log-likelihood, log-parameters). */
  readonly gradientNorm: number
  readonly message: string
}

/** A fit that cannot give an estimate: too few customers, or the optimizer did not converge. */
export class BtydFitError extends Error {
  readonly convergence: Convergence | undefined

  constructor(message: string, convergence?: Convergence) {
    super(message)
    this.name = 'BtydFitError'
    this.convergence = convergence
  }
}

/** A log-parameter past this at the optimum is a boundary solution (e^25 ~ 7e10), not an estimate. */
const RAN_OFF = 25

/** The fit's convergence record; throws a BtydFitError unless `run` ended at an interior optimum. */
export function checkedConvergence(
  model: string,
  run: MinimizeResult,
  params: object
): Convergence {
  const convergence: Convergence = {
    converged: run.converged,
    iterations: run.iterations,
    evaluations: run.evaluations,
    gradientNorm: Math.max(...run.gradient.map(Math.abs)),
    message: run.message,
  }
  if (!run.converged) {
    throw new BtydFitError(`${model} fit did not converge: ${run.message}`, convergence)
  }
  if (run.x.some((t) => Math.abs(t) > RAN_OFF)) {
    throw new BtydFitError(
      `${model} fit did not converge: a parameter ran off to 0 or infinity ` +
        `(${JSON.stringify(params)}); the data cannot identify the model`,
      convergence
    )
  }
  return convergence
}
