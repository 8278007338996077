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
