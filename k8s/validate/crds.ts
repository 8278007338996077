// The custom resources validated against their CRDs' published OpenAPI schemas, vendored in
// k8s/schemas/ with the operator release they come from (k8s/schemas/README.md): ExternalSecret and
// ClusterSecretStore external-secrets.io/v1 (External Secrets 2.9.0), ServiceMonitor and
// PrometheusRule monitoring.coreos.com/v1 (Prometheus Operator 0.93.0).
//
// The API server reads a structural schema as closed: a field it does not name is pruned (dropped
// silently) unless x-kubernetes-preserve-unknown-fields says otherwise. A dropped field is a
// setting that never takes effect, so here it is an error: every object schema with `properties`
// and no `additionalProperties` or preserve-unknown-fields of its own is closed before ajv compiles
// it. x-kubernetes-int-or-string becomes "an integer or a string", as the API server reads it.

import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv'
import { objectId, type K8sObject } from './render.ts'

const SCHEMAS = join(import.meta.dirname, '../schemas')

/** apiVersion and kind → the vendored file. */
export const CRD_SCHEMA_FILES: Record<string, string> = {
  'external-secrets.io/v1 ExternalSecret': 'external-secrets.io_v1_externalsecret.json',
  'external-secrets.io/v1 ClusterSecretStore': 'external-secrets.io_v1_clustersecretstore.json',
  'monitoring.coreos.com/v1 ServiceMonitor': 'monitoring.coreos.com_v1_servicemonitor.json',
  'monitoring.coreos.com/v1 PrometheusRule': 'monitoring.coreos.com_v1_prometheusrule.json',
}

export const isCustomResource = (o: K8sObject) => !!CRD_SCHEMA_FILES[`${o.apiVersion} ${o.kind}`]

type Schema = Record<string, unknown>
const isSchema = (v: unknown): v is Schema =>
  typeof v === 'object' && v !== null && !Array.isArray(v)

/**
 * A CRD pattern (Go's RE2) as a JavaScript one: RE2's `(?i)` flag has no JavaScript inline form, so
 * each letter after it, outside a character class and not escaped, matches both cases instead.
 */
export function jsPattern(pattern: string): string {
  const at = pattern.indexOf('(?i)')
  if (at < 0) return pattern
  let out = pattern.slice(0, at)
  let inClass = false
  const body = pattern.slice(at + 4)
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!
    if (c === '\\') {
      out += c + (body[++i] ?? '')
      continue
    }
    if (c === '[') inClass = true
    else if (c === ']') inClass = false
    const lower = c.toLowerCase()
    const upper = c.toUpperCase()
    out += inClass || lower === upper ? c : `[${lower}${upper}]`
  }
  return out
}

/** The schema as the API server reads it, as JSON Schema: closed objects, int-or-string. */
export function structural(schema: Schema): Schema {
  const out: Schema = {}
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'properties' && isSchema(value)) {
      out[key] = Object.fromEntries(
        Object.entries(value).map(([name, s]) => [name, isSchema(s) ? structural(s) : s])
      )
    } else if (['items', 'additionalProperties', 'not'].includes(key) && isSchema(value)) {
      out[key] = structural(value)
    } else if (['allOf', 'anyOf', 'oneOf'].includes(key) && Array.isArray(value)) {
      out[key] = value.map((s: unknown) => (isSchema(s) ? structural(s) : s))
    } else if (key === 'pattern' && typeof value === 'string') {
      out[key] = jsPattern(value)
    } else if (!key.startsWith('x-kubernetes-')) {
      out[key] = value
    }
  }
  if (schema['x-kubernetes-int-or-string'] === true) {
    delete out['type']
    out['anyOf'] = [{ type: 'integer' }, { type: 'string' }]
  }
  const open =
    schema['x-kubernetes-preserve-unknown-fields'] === true || 'additionalProperties' in schema
  if (isSchema(schema['properties']) && !open) out['additionalProperties'] = false
  return out
}

const ajv = new Ajv({ allErrors: true, strict: false })
const validators = new Map<string, ValidateFunction>()

function validatorOf(key: string): ValidateFunction {
  let v = validators.get(key)
  if (!v) {
    const doc = JSON.parse(readFileSync(join(SCHEMAS, CRD_SCHEMA_FILES[key]!), 'utf8')) as {
      openAPIV3Schema: Schema
    }
    v = ajv.compile(structural(doc.openAPIV3Schema))
    validators.set(key, v)
  }
  return v
}

function describe(e: ErrorObject): string {
  if (e.keyword === 'additionalProperties') {
    const field = String((e.params as { additionalProperty: string }).additionalProperty)
    return `unknown field ${e.instancePath}/${field.replace(/~/g, '~0').replace(/\//g, '~1')}`
  }
  return `${e.instancePath || '/'} ${e.message ?? e.keyword}`
}

/** One message per problem of each custom resource: a wrong type, a missing field, an unknown one. */
export function crdViolations(objects: K8sObject[]): string[] {
  return objects.filter(isCustomResource).flatMap((o) => {
    const validate = validatorOf(`${o.apiVersion} ${o.kind}`)
    if (validate(o)) return []
    // allErrors also reports each branch of a failed anyOf; the branch errors say enough.
    const errors = (validate.errors ?? []).filter((e) => e.keyword !== 'anyOf')
    return [...new Set(errors.map(describe))].map((m) => `${objectId(o)}: ${m}`)
  })
}
