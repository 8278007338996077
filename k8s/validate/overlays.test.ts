import { readFileSync } from 'node:fs'
import path from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { crdViolations, isCustomResource } from './crds.ts'
import { compareWithExpected, differingPaths } from './diff.ts'
import { allContainers, podSpecOf } from './pods.ts'
import { policyViolations } from './policy.ts'
import {
  K8S_DIR,
  objectId,
  OVERLAYS,
  renderOverlay,
  type K8sObject,
  type Overlay,
} from './render.ts'
import { checkov, kubernetesValidate } from './tools.ts'

// Every overlay rendered by kustomize and checked as strictly as the real tools allow offline.

const rendered = {} as Record<Overlay, K8sObject[]>
beforeAll(() => {
  for (const overlay of OVERLAYS) rendered[overlay] = renderOverlay(overlay).objects
})

const find = (objects: K8sObject[], kind: string, name: string) => {
  const o = objects.find((x) => x.kind === kind && x.metadata.name === name)
  if (!o) throw new Error(`no ${kind}/${name}`)
  return o
}

describe.each(OVERLAYS)('overlay %s', (overlay) => {
  it('renders the control plane, the training jobs and the monitoring, all in namespace fcv', () => {
    const objects = rendered[overlay]
    const kinds = new Set(objects.map((o) => o.kind))
    for (const kind of [
      'Deployment',
      'Service',
      'Ingress',
      'HorizontalPodAutoscaler',
      'PodDisruptionBudget',
      'NetworkPolicy',
      'ServiceAccount',
      'ExternalSecret',
      'ClusterSecretStore',
      'CronJob',
      'ServiceMonitor',
      'PrometheusRule',
    ]) {
      expect(kinds, kind).toContain(kind)
    }
    const clusterScoped = new Set(['Namespace', 'ClusterSecretStore'])
    for (const o of objects) {
      expect(o.metadata.namespace, `${o.kind}/${o.metadata.name}`).toBe(
        clusterScoped.has(o.kind) ? undefined : 'fcv'
      )
    }
  })

  it('validates against the Kubernetes 1.34 schemas with unknown fields rejected', () => {
    expect(kubernetesValidate(rendered[overlay].filter((o) => !isCustomResource(o)))).toEqual([])
  })

  it('validates the custom resources against their CRD schemas', () => {
    expect(rendered[overlay].filter(isCustomResource).length).toBeGreaterThanOrEqual(5)
    expect(crdViolations(rendered[overlay])).toEqual([])
  })

  it('follows our rules: pinned images, limits, probes, nothing privileged, no hostPath', () => {
    expect(policyViolations(rendered[overlay])).toEqual([])
  })

  it('passes checkov, skipping only the checks justified in k8s/checkov.yaml', () => {
    const result = checkov(rendered[overlay])
    expect(result.failed.map((f) => `${f.check_id} ${f.resource}`)).toEqual([])
    expect(result.passed).toBeGreaterThan(100)
  })

  it('drains before it is killed, and keeps serving through a rollout', () => {
    const deployment = find(rendered[overlay], 'Deployment', 'fcv-control-plane')
    const config = find(rendered[overlay], 'ConfigMap', 'fcv-control-plane')
    const pod = podSpecOf(deployment)!
    const drainMs = Number((config.data as Record<string, string>).FCV_SHUTDOWN_GRACE_MS)
    const preStop =
      (pod.containers[0] as { lifecycle?: { preStop?: { sleep?: { seconds: number } } } }).lifecycle
        ?.preStop?.sleep?.seconds ?? 0
    expect(Number(pod.terminationGracePeriodSeconds) * 1000).toBeGreaterThan(
      drainMs + preStop * 1000
    )
    expect(deployment.spec).toMatchObject({ strategy: { rollingUpdate: { maxUnavailable: 0 } } })
    expect(pod.containers[0]).toMatchObject({
      readinessProbe: { httpGet: { path: '/readyz' } },
      livenessProbe: { httpGet: { path: '/healthz' } },
      startupProbe: { httpGet: {} },
      securityContext: { readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
    })
  })

  it('runs the same number of shards in every sharded job and in the merge', () => {
    const objects = rendered[overlay]
    const shards = find(objects, 'CronJob', 'fcv-features-shards')
    const merge = find(objects, 'CronJob', 'fcv-features-merge')
    const score = find(objects, 'CronJob', 'fcv-score-shards')
    for (const job of [shards, score]) {
      const spec = (job.spec as { jobTemplate: { spec: { completions: number } } }).jobTemplate.spec
      expect(spec).toMatchObject({ completionMode: 'Indexed', parallelism: spec.completions })
      const text = JSON.stringify(allContainers(podSpecOf(job)!).map((c) => c))
      const counts = [...text.matchAll(/\$\(JOB_COMPLETION_INDEX\)(?:\/|-of-)(\d+)/g)].map((m) =>
        Number(m[1])
      )
      expect(counts.length).toBeGreaterThanOrEqual(2)
      expect(new Set(counts)).toEqual(new Set([spec.completions]))
    }
    const mergeArgs = JSON.stringify(allContainers(podSpecOf(merge)!))
    const completions = (shards.spec as { jobTemplate: { spec: { completions: number } } })
      .jobTemplate.spec.completions
    // After the ingest output it orders rows by (dvc pull ingest), as the shards do.
    expect(mergeArgs).toContain(
      `dvc pull ingest && exec node trainer/dist/fcv.mjs features --merge-shards ${completions}`
    )
  })
})

describe('the rendered custom resources', () => {
  // A rendered object with one field set at `keys`: a misspelt one the API server would prune.
  const withField = (kind: string, keys: (string | number)[], value: unknown) => {
    const o = structuredClone(rendered.staging.find((x) => x.kind === kind)!)
    let node = o as Record<string | number, unknown>
    for (const key of keys.slice(0, -1)) node = node[key] as Record<string | number, unknown>
    node[keys.at(-1)!] = value
    return { o, violations: crdViolations([o]) }
  }

  it.each([
    ['ServiceMonitor', ['spec', 'endpoints', 0, 'intervall']],
    ['ExternalSecret', ['spec', 'target', 'nmae']],
    ['PrometheusRule', ['spec', 'groups', 0, 'rules', 1, 'forr']],
    ['ClusterSecretStore', ['spec', 'provider', 'aws', 'regoin']],
    ['ServiceMonitor', ['bogus']],
  ])('reject an unknown field in a %s, naming its path %j', (kind, keys) => {
    const { o, violations } = withField(kind, keys, '5m')
    expect(violations).toEqual([`${objectId(o)}: unknown field /${keys.join('/')}`])
  })

  it('keep maps open: any label on the object or on a rule', () => {
    expect(
      withField('PrometheusRule', ['metadata', 'labels', 'example.com/team'], 'fcv').violations
    ).toEqual([])
    expect(
      withField('PrometheusRule', ['spec', 'groups', 0, 'rules', 0, 'labels', 'team'], 'fcv')
        .violations
    ).toEqual([])
  })
})

describe('staging and production', () => {
  it('differ only where k8s/overlays/expected-differences.json says', () => {
    const expected = JSON.parse(
      readFileSync(path.join(K8S_DIR, 'overlays', 'expected-differences.json'), 'utf8')
    ) as string[]
    const actual = differingPaths(rendered.staging, rendered.production)
    expect(compareWithExpected(actual, expected)).toEqual({ unexpected: [], stale: [] })
  })
})
