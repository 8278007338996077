// Renders an overlay with kustomize (on PATH: scripts/setup.sh builds it) into its objects.

import { spawnSync } from 'node:child_process'
import path from 'node:path'
import { parseAllDocuments } from 'yaml'

export const K8S_DIR = path.resolve(import.meta.dirname, '..')
export const OVERLAYS = ['staging', 'production'] as const
export type Overlay = (typeof OVERLAYS)[number]

/** A rendered Kubernetes object; only the fields every object has are typed. */
export interface K8sObject {
  apiVersion: string
  kind: string
  metadata: { name: string; namespace?: string; [key: string]: unknown }
  [key: string]: unknown
}

export function kustomizeBuild(dir: string): string {
  const r = spawnSync('kustomize', ['build', dir], { encoding: 'utf8' })
  if (r.error) {
    throw new Error(`kustomize: ${r.error.message} (source scripts/setup.sh: fcv_ensure_kustomize)`)
  }
  if (r.status !== 0) throw new Error(`kustomize build ${dir} failed:\n${r.stderr}`)
  return r.stdout
}

export function parseObjects(yamlText: string): K8sObject[] {
  return parseAllDocuments(yamlText).map((doc, i) => {
    if (doc.errors.length) throw new Error(`document ${i}: ${doc.errors[0]!.message}`)
    const obj = doc.toJS() as K8sObject
    if (!obj?.kind || !obj.metadata?.name)
      throw new Error(`document ${i}: no kind or metadata.name`)
    return obj
  })
}

export function renderOverlay(overlay: Overlay): { yaml: string; objects: K8sObject[] } {
  const yaml = kustomizeBuild(path.join(K8S_DIR, 'overlays', overlay))
  return { yaml, objects: parseObjects(yaml) }
}

export const objectId = (o: K8sObject) => `${o.kind}/${o.metadata.name}`
