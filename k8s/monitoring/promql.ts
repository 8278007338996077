import { parser } from '@prometheus-io/lezer-promql'

/**
 * The metric names a PromQL expression selects, or an error naming the position of its first
 * syntax error (lezer-promql, the grammar of Prometheus' own UI).
 */
export function selectedMetrics(expr: string): string[] {
  const names: string[] = []
  let error: number | null = null
  parser.parse(expr).iterate({
    enter(n) {
      if (n.type.isError && error === null) error = n.from
      if (n.name === 'VectorSelector') {
        const id = n.node.getChild('Identifier')
        if (id) names.push(expr.slice(id.from, id.to))
      }
    },
  })
  if (error !== null) {
    throw new Error(`PromQL syntax error at ${error}: ${expr.slice(error, error + 40)} in ${expr}`)
  }
  return names
}
