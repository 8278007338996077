// Our own rules for every rendered workload: images pinned (a tag that is not `latest`, or a
// digest), every container with CPU and memory limits, long-running containers with readiness and
// liveness probes, nothing privileged, no host namespaces, no hostPath volumes.

import { allContainers, isBatch, podSpecOf } from './pods.ts'
import { objectId, type K8sObject } from './render.ts'

/** The image reference's tag, or undefined when it has none (a registry port is not a tag). */
export function imageTag(image: string): string | undefined {
  const name = image.split('@')[0]!
  const lastSlash = name.lastIndexOf('/')
  const colon = name.indexOf(':', lastSlash + 1)
  return colon === -1 ? undefined : name.slice(colon + 1)
}

export function policyViolations(objects: K8sObject[]): string[] {
  const out: string[] = []
  for (const o of objects) {
    const pod = podSpecOf(o)
    if (!pod) continue
    const id = objectId(o)
    for (const flag of ['hostNetwork', 'hostPID', 'hostIPC'] as const) {
      if (pod[flag]) out.push(`${id}: ${flag} is set`)
    }
    for (const v of pod.volumes ?? []) {
      if ('hostPath' in v) out.push(`${id}: volume ${String(v.name)} is a hostPath`)
    }
    for (const c of allContainers(pod)) {
      const where = `${id} container ${c.name}`
      const image = c.image ?? ''
      const tag = imageTag(image)
      if (!image.includes('@sha256:') && (tag === undefined || tag === 'latest')) {
        out.push(`${where}: image "${image}" has no pinned tag or digest`)
      }
      if (tag === 'latest') out.push(`${where}: image "${image}" uses the latest tag`)
      for (const r of ['cpu', 'memory']) {
        if (c.resources?.limits?.[r] === undefined) out.push(`${where}: no ${r} limit`)
      }
      if (!isBatch(o)) {
        for (const p of ['readinessProbe', 'livenessProbe'] as const) {
          if (!c[p]) out.push(`${where}: no ${p}`)
        }
      }
      const sc = c.securityContext ?? {}
      if (sc.privileged === true) out.push(`${where}: privileged`)
      if (sc.allowPrivilegeEscalation !== false) {
        out.push(`${where}: allowPrivilegeEscalation is not false`)
      }
    }
  }
  return out
}
