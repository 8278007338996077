import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parse as parseYaml } from 'yaml'
import { z } from 'zod'
import { loadParams } from '../params/load.ts'

// dvc.yaml is data that DVC runs; these checks catch a stage that names a missing command, a params
// section that does not exist, or a dependency path that is not in the repository.

const root = resolve(import.meta.dirname, '../../..')
const StageSchema = z.strictObject({
  desc: z.string().min(1),
  cmd: z.string().regex(/^node trainer\/src\/cli\.ts [a-z]+/),
  deps: z.array(z.string()).min(1),
  params: z.array(z.string()).min(1),
  outs: z.array(z.string()).min(1),
})
const DvcSchema = z.strictObject({ stages: z.record(z.string(), StageSchema) })

const dvc = DvcSchema.parse(parseYaml(readFileSync(join(root, 'dvc.yaml'), 'utf8')))
const params = loadParams(join(root, 'params.yaml'))
const raw = parseYaml(readFileSync(join(root, 'params.yaml'), 'utf8')) as Record<string, unknown>

function lookup(path: string): unknown {
  return path.split('.').reduce<unknown>((node, k) => (node as Record<string, unknown>)[k], params)
}
const interpolate = (s: string) => s.replace(/\$\{([^}]+)\}/g, (_m, key: string) => String(lookup(key)))

describe('dvc.yaml', () => {
  it('declares ingest then features', () => {
    expect(Object.keys(dvc.stages)).toEqual(['ingest', 'features'])
  })
  for (const [name, stage] of Object.entries(dvc.stages)) {
    it(`stage ${name} runs an existing fcv command`, () => {
      const sub = stage.cmd.split(' ')[3]!
      const help = execFileSync(process.execPath, [join(root, 'trainer/src/cli.ts'), sub, '--help'], {
        encoding: 'utf8',
      })
      expect(help).toContain(`Usage: fcv ${sub}`)
    })
    it(`stage ${name} names params sections and source paths that exist`, () => {
      for (const p of stage.params) expect(raw, `params.yaml section ${p}`).toHaveProperty(p)
      for (const dep of stage.deps.map(interpolate)) {
        const produced = Object.values(dvc.stages).some((s) =>
          s.outs.map(interpolate).some((o) => dep === o || dep.startsWith(o + '/'))
        )
        expect(produced || existsSync(join(root, dep)), `dependency ${dep}`).toBe(true)
      }
    })
  }
  it('features depends on what ingest writes', () => {
    const ingestOut = dvc.stages['ingest']!.outs.map(interpolate)
    const featureDeps = dvc.stages['features']!.deps.map(interpolate)
    expect(featureDeps.some((d) => ingestOut.some((o) => d.startsWith(o + '/')))).toBe(true)
  })
})
