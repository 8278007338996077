// The custom resources validated against their CRDs' published OpenAPI schemas, as compiled into
// the pinned @kubernetes-models packages (generated from the operators' released CRDs):
// prometheus-operator 6.0.0 (ServiceMonitor, PrometheusRule) and external-secrets 2.0.0
// (ExternalSecret, ClusterSecretStore, external-secrets.io/v1). These check types, required fields
// and enums; they do not reject unknown fields (the compiled schemas leave objects open).

import { ClusterSecretStore } from '@kubernetes-models/external-secrets/external-secrets.io/v1/ClusterSecretStore'
import { ExternalSecret } from '@kubernetes-models/external-secrets/external-secrets.io/v1/ExternalSecret'
import { PrometheusRule } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule'
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor'
import { objectId, type K8sObject } from './render.ts'

type Model = new (data: never) => { validate(): void }

export const CRD_MODELS: Record<string, Model> = {
  'external-secrets.io/v1 ExternalSecret': ExternalSecret as unknown as Model,
  'external-secrets.io/v1 ClusterSecretStore': ClusterSecretStore as unknown as Model,
  'monitoring.coreos.com/v1 ServiceMonitor': ServiceMonitor as unknown as Model,
  'monitoring.coreos.com/v1 PrometheusRule': PrometheusRule as unknown as Model,
}

export const isCustomResource = (o: K8sObject) => !!CRD_MODELS[`${o.apiVersion} ${o.kind}`]

/** One message per custom resource that does not validate. */
export function crdViolations(objects: K8sObject[]): string[] {
  return objects.filter(isCustomResource).flatMap((o) => {
    const Model = CRD_MODELS[`${o.apiVersion} ${o.kind}`]!
    try {
      new Model(structuredClone(o) as never).validate()
      return []
    } catch (err) {
      return [`${objectId(o)}: ${(err as Error).message}`]
    }
  })
}
