import { describe, expect, it } from 'vitest'
import { crdViolations, jsPattern, structural } from './crds.ts'
import { compareWithExpected, differingPaths } from './diff.ts'
import { imageTag, policyViolations } from './policy.ts'
import { parseObjects, type K8sObject } from './render.ts'
import { kubernetesValidate } from './tools.ts'

// Each validator the overlay tests rely on, shown to reject what it is there to reject.

const deployment = (container: Record<string, unknown>, pod: Record<string, unknown> = {}) =>
  parseObjects(
    JSON.stringify({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web' },
      spec: { template: { spec: { containers: [{ name: 'app', ...container }], ...pod } } },
    })
  )

const good = {
  image: 'registry.example:5000/fcv/app:1.2.3',
  resources: { limits: { cpu: '1', memory: '1Gi' } },
  readinessProbe: { httpGet: { path: '/readyz', port: 8080 } },
  livenessProbe: { httpGet: { path: '/healthz', port: 8080 } },
  securityContext: { allowPrivilegeEscalation: false },
}

describe('policyViolations', () => {
  it('accepts a pinned, limited, probed, unprivileged container', () => {
    expect(policyViolations(deployment(good))).toEqual([])
  })

  it.each([
    [{ image: 'registry.example:5000/fcv/app' }, /no pinned tag or digest/],
    [{ image: 'fcv/app:latest' }, /latest tag/],
    [{ resources: { limits: { cpu: '1' } } }, /no memory limit/],
    [{ readinessProbe: undefined }, /no readinessProbe/],
    [{ securityContext: { privileged: true, allowPrivilegeEscalation: false } }, /privileged/],
    [{ securityContext: {} }, /allowPrivilegeEscalation is not false/],
  ])('rejects %j', (change, message) => {
    const v = policyViolations(deployment({ ...good, ...change }))
    expect(v.join('\n')).toMatch(message)
  })

  it('rejects hostPath volumes and host namespaces', () => {
    const v = policyViolations(
      deployment(good, { hostNetwork: true, volumes: [{ name: 'h', hostPath: { path: '/' } }] })
    )
    expect(v).toEqual([
      'Deployment/web: hostNetwork is set',
      'Deployment/web: volume h is a hostPath',
    ])
  })

  it('reads tags past a registry port and before a digest', () => {
    expect(imageTag('host:5000/a/b')).toBeUndefined()
    expect(imageTag('host:5000/a/b:v1@sha256:00')).toBe('v1')
  })
})

describe('kubernetesValidate (strict)', () => {
  it('rejects an unknown field, naming it', () => {
    const [service] = parseObjects(
      'apiVersion: v1\nkind: Service\nmetadata: { name: x }\nspec: { ports: [{ port: 80 }], bogus: 1 }\n'
    )
    expect(kubernetesValidate([service!]).join('\n')).toMatch(/'bogus' was unexpected/)
  })
})

describe('crdViolations', () => {
  it('rejects an ExternalSecret whose store reference is not an object', () => {
    const bad = {
      apiVersion: 'external-secrets.io/v1',
      kind: 'ExternalSecret',
      metadata: { name: 'x' },
      spec: { secretStoreRef: 'aws', dataFrom: [{ extract: { key: 'k' } }] },
    } as K8sObject
    expect(crdViolations([bad]).join('\n')).toMatch(/ExternalSecret\/x: .*secretStoreRef/)
  })

  it('names a wrong type and a missing required field by path', () => {
    const monitor = {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'ServiceMonitor',
      metadata: { name: 'm' },
      spec: { endpoints: [{ port: 8080 }] },
    } as K8sObject
    expect(crdViolations([monitor]).sort()).toEqual([
      "ServiceMonitor/m: /spec must have required property 'selector'",
      'ServiceMonitor/m: /spec/endpoints/0/port must be string',
    ])
  })
})

describe('structural and jsPattern: the schema as the API server reads it', () => {
  it('closes objects with properties, but not maps nor preserve-unknown-fields', () => {
    const s = structural({
      type: 'object',
      properties: {
        labels: { type: 'object', additionalProperties: { type: 'string' } },
        raw: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true, properties: {} },
        port: { 'x-kubernetes-int-or-string': true },
      },
    })
    expect(s['additionalProperties']).toBe(false)
    const props = s['properties'] as Record<string, Record<string, unknown>>
    expect(props['labels']!['additionalProperties']).toEqual({ type: 'string' })
    expect(props['raw']).not.toHaveProperty('additionalProperties')
    expect(props['raw']).not.toHaveProperty('x-kubernetes-preserve-unknown-fields')
    expect(props['port']).toEqual({ anyOf: [{ type: 'integer' }, { type: 'string' }] })
  })

  it("reads RE2's (?i) as both cases for each letter after it", () => {
    const re = new RegExp(jsPattern('^(?i)(abort|warn)?$'), 'u')
    for (const ok of ['', 'abort', 'Abort', 'WARN']) expect(re.test(ok), ok).toBe(true)
    for (const no of ['abortx', 'x']) expect(re.test(no), no).toBe(false)
    expect(jsPattern('^[a-z]+(?i)x\\d$')).toBe('^[a-z]+[xX]\\d$')
    expect(jsPattern('^[a-z]+$')).toBe('^[a-z]+$')
  })
})

describe('differingPaths and compareWithExpected', () => {
  it('reports the unexpected differences and the stale expectations', () => {
    const a = parseObjects('kind: ConfigMap\nmetadata: { name: c }\ndata: { A: "1", B: "1" }\n')
    const b = parseObjects(
      'kind: ConfigMap\nmetadata: { name: c }\ndata: { A: "2", B: "1", C: "x" }\n'
    )
    const paths = differingPaths(a, b)
    expect(paths).toEqual(['ConfigMap/c:/data/A', 'ConfigMap/c:/data/C'])
    expect(compareWithExpected(paths, ['*:/data/A', 'Secret/*:/data/B'])).toEqual({
      unexpected: ['ConfigMap/c:/data/C'],
      stale: ['Secret/*:/data/B'],
    })
  })
})
