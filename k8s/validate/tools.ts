// The Python validators from .venv (requirements.txt): kubernetes-validate and checkov.

import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { stringify } from 'yaml'
import { K8S_DIR, type K8sObject } from './render.ts'

/** The EKS (Kubernetes) version the manifests target; kubernetes-validate has its schemas. */
export const KUBERNETES_VERSION = '1.34.0'
const VENV_BIN = path.resolve(K8S_DIR, '..', '.venv', 'bin')

function run(tool: string, args: string[]) {
  const r = spawnSync(path.join(VENV_BIN, tool), args, { encoding: 'utf8' })
  if (r.error) throw new Error(`${tool}: ${r.error.message} (source scripts/setup.sh)`)
  return r
}

function withFile<T>(objects: K8sObject[], fn: (file: string) => T): T {
  const dir = mkdtempSync(path.join(tmpdir(), 'fcv-k8s-'))
  try {
    const file = path.join(dir, 'rendered.yaml')
    writeFileSync(file, objects.map((o) => stringify(o)).join('---\n'))
    return fn(file)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** kubernetes-validate --strict (unknown fields rejected): its error lines; none when valid. */
export function kubernetesValidate(objects: K8sObject[]): string[] {
  return withFile(objects, (file) => {
    const r = run('kubernetes-validate', ['-k', KUBERNETES_VERSION, '--strict', '--quiet', file])
    const lines = `${r.stdout}${r.stderr}`.split('\n').filter((l) => l.trim())
    if (r.status !== 0 && lines.length === 0)
      throw new Error(`kubernetes-validate exited ${r.status}`)
    return lines
  })
}

export interface CheckovResult {
  passed: number
  failed: { check_id: string; resource: string }[]
  skipped: { check_id: string; resource: string }[]
}

/** checkov's Kubernetes policies with k8s/checkov.yaml (the justified skips). */
export function checkov(objects: K8sObject[]): CheckovResult {
  return withFile(objects, (file) => {
    const args = ['-f', file, '--config-file', path.join(K8S_DIR, 'checkov.yaml'), '-o', 'json']
    const r = run('checkov', [...args, '--quiet', '--soft-fail'])
    const report = JSON.parse(r.stdout) as {
      summary: { passed: number }
      results: { failed_checks: CheckovResult['failed']; skipped_checks: CheckovResult['skipped'] }
    }
    return {
      passed: report.summary.passed,
      failed: report.results.failed_checks,
      skipped: report.results.skipped_checks,
    }
  })
}
