const IDENTIFIER = /^[A-Za-z_$][\w$]*$/

/** A zod issue's path as a 400 names it: customers[0].features, series[2].latencyMs. */
export function pathOf(path: readonly PropertyKey[]): string {
  return path
    .map((part, i) =>
      typeof part === 'number'
        ? `[${part}]`
        : IDENTIFIER.test(String(part))
          ? `${i === 0 ? '' : '.'}${String(part)}`
          : `[${JSON.stringify(String(part))}]`
    )
    .join('')
}
