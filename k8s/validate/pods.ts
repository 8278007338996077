// The pod template of a workload object, and its containers (init containers included).

import type { K8sObject } from './render.ts'

export interface Container {
  name: string
  image?: string
  resources?: { limits?: Record<string, unknown>; requests?: Record<string, unknown> }
  readinessProbe?: unknown
  livenessProbe?: unknown
  startupProbe?: unknown
  securityContext?: Record<string, unknown>
}

export interface PodSpec {
  containers: Container[]
  initContainers?: Container[]
  volumes?: Record<string, unknown>[]
  hostNetwork?: boolean
  hostPID?: boolean
  hostIPC?: boolean
  securityContext?: Record<string, unknown>
  [key: string]: unknown
}

type Spec = {
  template?: { spec?: PodSpec }
  jobTemplate?: { spec?: { template?: { spec?: PodSpec } } }
}

/** Deployment, StatefulSet, DaemonSet, Job: spec.template; CronJob: its job's template. */
export function podSpecOf(o: K8sObject): PodSpec | undefined {
  const spec = o.spec as Spec | undefined
  return o.kind === 'CronJob' ? spec?.jobTemplate?.spec?.template?.spec : spec?.template?.spec
}

export const allContainers = (pod: PodSpec): Container[] => [
  ...(pod.initContainers ?? []),
  ...pod.containers,
]

/** Jobs (and CronJobs) run to completion: no probes expected. */
export const isBatch = (o: K8sObject) => o.kind === 'Job' || o.kind === 'CronJob'
