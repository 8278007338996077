// The custom resources validated against their CRDs' schemas as compiled into the pinned
// @kubernetes-models packages: prometheus-operator 6.0.0 (ServiceMonitor, PrometheusRule) and
// external-secrets 2.0.0 (ExternalSecret, ClusterSecretStore, external-secrets.io/v1). Those
// validators check types, required fields and enums but leave objects open, and the packages ship
// them only as compiled code (no JSON schema to vendor). So unknown fields are found by watching
// the validator itself: every object is handed to it behind a Proxy that records which keys it
// reads; a key it never read is not in the schema. An object whose keys it enumerates (a map:
// labels, annotations) or never looks into (a free-form object) is left open, as the API server
// leaves x-kubernetes-preserve-unknown-fields open. Where the API server would prune, we reject.

import { ClusterSecretStore } from '@kubernetes-models/external-secrets/external-secrets.io/v1/ClusterSecretStore'
import { ExternalSecret } from '@kubernetes-models/external-secrets/external-secrets.io/v1/ExternalSecret'
import { PrometheusRule } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule'
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor'
import { objectId, type K8sObject } from './render.ts'

interface Model {
  // setValidateFunc puts on the prototype `function () { runValidateFunc(fn, this) }`: called
  // with our recording proxy as `this`, it validates the proxy without copying it.
  prototype: { validate(this: unknown): void }
}

export const CRD_MODELS: Record<string, Model> = {
  'external-secrets.io/v1 ExternalSecret': ExternalSecret as unknown as Model,
  'external-secrets.io/v1 ClusterSecretStore': ClusterSecretStore as unknown as Model,
  'monitoring.coreos.com/v1 ServiceMonitor': ServiceMonitor as unknown as Model,
  'monitoring.coreos.com/v1 PrometheusRule': PrometheusRule as unknown as Model,
}

export const isCustomResource = (o: K8sObject) => !!CRD_MODELS[`${o.apiVersion} ${o.kind}`]

/** What the validator did with one object: the keys it read, and whether it enumerated them. */
interface Access {
  read: Set<string>
  enumerated: boolean
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null

const pointer = (parent: string, key: string | number) =>
  `${parent}/${String(key).replace(/~/g, '~0').replace(/\//g, '~1')}`

/** Wraps `value` (and, lazily, everything under it) in proxies recording into `accesses`. */
function recording(value: unknown, path: string, accesses: Map<string, Access>): unknown {
  if (!isObject(value)) return value
  const access: Access = { read: new Set(), enumerated: false }
  accesses.set(path, access)
  const children = new Map<string, unknown>()
  const own = (key: string | symbol): key is string =>
    typeof key === 'string' && Object.hasOwn(value, key)
  return new Proxy(value, {
    get(target, key, receiver) {
      if (!own(key)) return Reflect.get(target, key, receiver)
      access.read.add(key)
      if (!children.has(key))
        children.set(key, recording(target[key], pointer(path, key), accesses))
      return children.get(key)
    },
    has(target, key) {
      if (own(key)) access.read.add(key)
      return Reflect.has(target, key)
    },
    ownKeys(target) {
      access.enumerated = true
      return Reflect.ownKeys(target)
    },
  })
}

/** The JSON pointers of the fields the validator never read in objects whose keys it checked. */
function unknownFields(value: unknown, path: string, accesses: Map<string, Access>): string[] {
  const access = accesses.get(path)
  if (!isObject(value) || !access) return []
  const keys = Array.isArray(value) ? value.keys() : Object.keys(value)
  const closed = !Array.isArray(value) && !access.enumerated && access.read.size > 0
  return [...keys].flatMap((key) =>
    closed && !access.read.has(String(key))
      ? [pointer(path, key)]
      : unknownFields((value as Record<string, unknown>)[key], pointer(path, key), accesses)
  )
}

/** One message per custom resource that does not validate, or per unknown field in it. */
export function crdViolations(objects: K8sObject[]): string[] {
  return objects.filter(isCustomResource).flatMap((o) => {
    const model = CRD_MODELS[`${o.apiVersion} ${o.kind}`]!
    const data = structuredClone(o)
    const accesses = new Map<string, Access>()
    try {
      model.prototype.validate.call(recording(data, '', accesses))
    } catch (err) {
      return [`${objectId(o)}: ${(err as Error).message}`]
    }
    return unknownFields(data, '', accesses).map((p) => `${objectId(o)}: unknown field ${p}`)
  })
}
