// Unconstrained minimization for the BTYD fits: BFGS with central-difference gradients and a
// backtracking (Armijo) line search, restarted from its own answer with a fresh Hessian estimate.
//
// Why our own: the npm candidates are not maintained or do not fit. `fmin` (0.0.4) was last
// published in 2016 and ships no types; `optimization-js` is a small, long-dormant port;
// `ml-levenberg-marquardt` fits curves by least squares, not a general likelihood; `numeric` (1.2.6)
// dates from 2012. The fits here are smooth 3-4 parameter problems on log-parameters, where BFGS
// converges in a few dozen iterations and this file stays small enough to test fully. Everything is
// deterministic: no random starts.

export interface MinimizeOptions {
  /** Stop when every gradient component is at most this (in units of the objective). */
  gradientTolerance?: number
  maxIterations?: number
}

export interface MinimizeResult {
  readonly x: number[]
  readonly value: number
  readonly gradient: number[]
  readonly converged: boolean
  readonly iterations: number
  readonly evaluations: number
  readonly message: string
}

/** Relative step of the central differences: about cbrt(machine epsilon). */
const DIFF_STEP = 6e-6
const ARMIJO = 1e-4
/** A restart from the answer that moves the objective by less than this, relative, confirms it. */
const CONFIRM = 1e-10
/** How far above the tolerance a gradient may be where f stops decreasing within rounding. */
const NOISE_FLOOR_FACTOR = 100
/** Longest first step, in parameter units: log-parameters must not jump to exp() overflow. */
const MAX_STEP = 2

export function minimize(
  f: (x: readonly number[]) => number,
  x0: readonly number[],
  options: MinimizeOptions = {}
): MinimizeResult {
  const gradientTolerance = options.gradientTolerance ?? 1e-7
  const maxIterations = options.maxIterations ?? 1000
  let evaluations = 0
  const objective = (x: readonly number[]): number => {
    evaluations++
    const v = f(x)
    return Number.isNaN(v) ? Number.POSITIVE_INFINITY : v
  }
  const start = objective(x0)
  if (!Number.isFinite(start)) {
    throw new RangeError(
      `minimize: the objective is not finite at the start point [${x0.join(', ')}]`
    )
  }
  let state: BfgsState = { x: [...x0], value: start, iterations: 0, stalled: false }
  let gradient: number[] = []
  // One run to converge, then restarts with a fresh Hessian until a restart changes nothing: a
  // stale inverse-Hessian estimate can stall BFGS before the gradient is really small.
  for (let run = 0; run < 5; run++) {
    const before = state.value
    state = bfgs(objective, state, gradientTolerance, maxIterations)
    gradient = centralGradient(objective, state.x, state.value)
    const small = maxAbs(gradient) <= gradientTolerance
    // A line search that cannot decrease f any more has hit the rounding noise of f: accept the
    // point when the gradient there is still near zero.
    const noiseFloor = state.stalled && maxAbs(gradient) <= NOISE_FLOOR_FACTOR * gradientTolerance
    const settled = Math.abs(before - state.value) <= CONFIRM * (Math.abs(state.value) + CONFIRM)
    if (run > 0 && (small || state.stalled) && settled) {
      const message = small
        ? 'converged'
        : noiseFloor
          ? 'converged: no further decrease within rounding'
          : 'line search stalled'
      return result(state, gradient, evaluations, small || noiseFloor, message)
    }
    if (state.iterations >= maxIterations) break
  }
  const message =
    state.iterations >= maxIterations
      ? `no convergence in ${maxIterations} iterations`
      : 'no convergence: restarts kept moving the objective'
  return result(state, gradient, evaluations, false, message)
}

interface BfgsState {
  x: number[]
  value: number
  iterations: number
  stalled: boolean
}

function bfgs(
  f: (x: readonly number[]) => number,
  from: BfgsState,
  gradientTolerance: number,
  maxIterations: number
): BfgsState {
  const n = from.x.length
  let x = from.x
  let fx = from.value
  let g = centralGradient(f, x, fx)
  let h = identity(n)
  let iterations = from.iterations
  let first = true
  while (iterations < maxIterations) {
    if (maxAbs(g) <= gradientTolerance) return { x, value: fx, iterations, stalled: false }
    let d = times(h, g).map((v) => -v)
    let slope = dot(g, d)
    if (!(slope < 0)) {
      h = identity(n) // not a descent direction: fall back to steepest descent
      d = g.map((v) => -v)
      slope = dot(g, d)
    }
    if (first) {
      // Scale the first step: with h = I the step is the raw gradient, of arbitrary size.
      const longest = maxAbs(d)
      if (longest > MAX_STEP) {
        d = d.map((v) => (v * MAX_STEP) / longest)
        slope = dot(g, d)
      }
    }
    let step = 1
    let next: number[] = []
    let fNext = Number.POSITIVE_INFINITY
    for (let k = 0; k < 60; k++) {
      next = x.map((v, i) => v + step * (d[i] as number))
      fNext = f(next)
      if (accepted(fNext, fx, step * slope)) break
      step /= 2
    }
    iterations++
    if (!accepted(fNext, fx, step * slope)) return { x, value: fx, iterations, stalled: true }
    const gNext = centralGradient(f, next, fNext)
    const s = next.map((v, i) => v - (x[i] as number))
    const y = gNext.map((v, i) => v - (g[i] as number))
    const sy = dot(s, y)
    if (sy > 1e-12 * Math.sqrt(dot(s, s) * dot(y, y))) {
      if (first) h = scaledIdentity(n, sy / dot(y, y))
      h = bfgsUpdate(h, s, y, sy)
      first = false
    }
    x = next
    fx = fNext
    g = gNext
  }
  return { x, value: fx, iterations, stalled: false }
}

/** Armijo, and a strict decrease: near the optimum the Armijo slack rounds away to nothing. */
function accepted(fNext: number, fx: number, stepSlope: number): boolean {
  return fNext < fx && fNext <= fx + ARMIJO * stepSlope
}

export function centralGradient(
  f: (x: readonly number[]) => number,
  x: readonly number[],
  fx: number
): number[] {
  return x.map((xi, i) => {
    const h = DIFF_STEP * Math.max(1, Math.abs(xi))
    const up = [...x]
    const down = [...x]
    up[i] = xi + h
    down[i] = xi - h
    const fUp = f(up)
    const fDown = f(down)
    // At the edge of the domain fall back to a one-sided difference.
    if (!Number.isFinite(fUp)) return (fx - fDown) / h
    if (!Number.isFinite(fDown)) return (fUp - fx) / h
    return (fUp - fDown) / (2 * h)
  })
}

/** H+ = (I - rho s y') H (I - rho y s') + rho s s', rho = 1 / (s'y). */
function bfgsUpdate(h: number[][], s: number[], y: number[], sy: number): number[][] {
  const rho = 1 / sy
  const hy = times(h, y)
  const yhy = dot(y, hy)
  return h.map((row, i) =>
    row.map((hij, j) => {
      const si = s[i] as number
      const sj = s[j] as number
      return (
        hij -
        rho * ((hy[i] as number) * sj + si * (hy[j] as number)) +
        (rho * rho * yhy + rho) * si * sj
      )
    })
  )
}

function result(
  state: BfgsState,
  gradient: number[],
  evaluations: number,
  converged: boolean,
  message: string
): MinimizeResult {
  return {
    x: state.x,
    value: state.value,
    gradient,
    converged,
    iterations: state.iterations,
    evaluations,
    message,
  }
}

function identity(n: number): number[][] {
  return scaledIdentity(n, 1)
}

function scaledIdentity(n: number, scale: number): number[][] {
  return Array.from({ length: n }, (_, i) =>
    Array.from({ length: n }, (_, j) => (i === j ? scale : 0))
  )
}

function times(m: number[][], v: readonly number[]): number[] {
  return m.map((row) => dot(row, v))
}

function dot(u: readonly number[], v: readonly number[]): number {
  let s = 0
  for (let i = 0; i < u.length; i++) s += (u[i] as number) * (v[i] as number)
  return s
}

function maxAbs(v: readonly number[]): number {
  return v.reduce((m, x) => Math.max(m, Math.abs(x)), 0)
}
