import { z } from 'zod'

// zod pieces shared by the server-side gates of what the edge receives and reports (the widget
// beacon, the telemetry payload), so both name a bad id or count the same way.

/** Model versions and isolate ids: short, and safe as a Prometheus label value. */
export const ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/

export const IdSchema = z
  .string()
  .regex(ID_PATTERN, 'must be 1 to 64 letters, digits, ".", "_" or "-"')

export const CountSchema = z
  .number()
  .int('must be a whole number')
  .nonnegative('must not be negative')

/** Reports a second entry for the same series: the sender never makes one, so it is a bug. */
export function unique<T>(key: (item: T) => string, what: string) {
  return (items: T[], ctx: z.RefinementCtx) => {
    const seen = new Set<string>()
    items.forEach((item, i) => {
      const k = key(item)
      if (seen.has(k)) ctx.addIssue({ code: 'custom', path: [i], message: `repeats ${what}` })
      seen.add(k)
    })
  }
}

/**
 * A histogram as core's bucketOf fills it: bounds increasing, one more count than bounds, and `n`
 * the sum of the counts (the telemetry payload's and the training profile's).
 */
export function checkHistogram(
  h: { bounds: number[]; counts: number[]; n: number },
  ctx: z.RefinementCtx
): void {
  for (let i = 1; i < h.bounds.length; i++) {
    if (!(h.bounds[i]! > h.bounds[i - 1]!)) {
      ctx.addIssue({ code: 'custom', path: ['bounds', i], message: 'bounds must increase' })
      return
    }
  }
  if (h.counts.length !== h.bounds.length + 1) {
    ctx.addIssue({
      code: 'custom',
      path: ['counts'],
      message: `must have one more entry than bounds (${h.bounds.length + 1}), has ${h.counts.length}`,
    })
    return
  }
  const total = h.counts.reduce((a, b) => a + b, 0)
  if (total !== h.n) {
    ctx.addIssue({ code: 'custom', path: ['n'], message: `must be the sum of counts (${total})` })
  }
}
