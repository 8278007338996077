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
const rolldownConfig = (await import(join(root, 'rolldown.config.ts'))).default as {
  input: unknown
  output: unknown
}
const OutSchema = z.union([
  z.string(),
  z
    .record(z.string(), z.strictObject({ cache: z.boolean() }))
    .refine((o) => Object.keys(o).length === 1),
])
const StageSchema = z.strictObject({
  desc: z.string().min(1),
  // fcv through the Node 22 launcher: DVC runs the command with whatever node the shell finds.
  cmd: z
    .string()
    .regex(/^(scripts\/with-node22 node trainer\/dist\/fcv\.mjs [a-z]+|npm run build --silent)$/),
  deps: z.array(z.string()).min(1),
  params: z.array(z.string()).min(1).optional(),
  outs: z.array(OutSchema).min(1).optional(),
  metrics: z.array(OutSchema).min(1).optional(),
  plots: z.array(OutSchema).min(1).optional(),
})
const PlotSchema = z
  .record(
    z.string(),
    z.strictObject({
      template: z.string(),
      x: z.string(),
      y: z.record(z.string(), z.array(z.string()).min(1)),
    })
  )
  .refine((o) => Object.keys(o).length === 1)
const DvcSchema = z.strictObject({
  stages: z.record(z.string(), StageSchema),
  plots: z.array(PlotSchema).optional(),
})

const dvc = DvcSchema.parse(parseYaml(readFileSync(join(root, 'dvc.yaml'), 'utf8')))
const params = loadParams(join(root, 'params.yaml'))
const raw = parseYaml(readFileSync(join(root, 'params.yaml'), 'utf8')) as Record<string, unknown>

function lookup(path: string): unknown {
  return path.split('.').reduce<unknown>((node, k) => (node as Record<string, unknown>)[k], params)
}
const interpolate = (s: string) =>
  s.replace(/\$\{([^}]+)\}/g, (_m, key: string) => String(lookup(key)))
const outPaths = (outs: z.infer<typeof OutSchema>[]) =>
  outs.map((o) => interpolate(typeof o === 'string' ? o : Object.keys(o)[0]!))
/** The fcv subcommand a stage runs. */
const stageCommand = (cmd: string) =>
  /^scripts\/with-node22 node trainer\/dist\/fcv\.mjs ([a-z]+)/.exec(cmd)?.[1]

describe('dvc.yaml', () => {
  it('declares the stages in pipeline order', () => {
    expect(Object.keys(dvc.stages)).toEqual([
      'build',
      'ingest',
      'features',
      'train',
      'evaluate',
      'register',
    ])
  })
  it('builds the bundle the other stages run, from every source they need', () => {
    const build = dvc.stages['build']!
    expect(outPaths(build.outs ?? [])).toEqual(['trainer/dist'])
    expect(build.deps).toEqual(
      expect.arrayContaining(['core/src', 'trainer/src', 'package-lock.json', 'rolldown.config.ts'])
    )
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
    expect(pkg.scripts.build).toBe('exec scripts/with-node22 rolldown -c rolldown.config.ts')
    // The bundle is the directory DVC tracks, and its fcv.mjs is the CLI the stages run.
    expect(rolldownConfig.output).toMatchObject({
      dir: 'trainer/dist',
      entryFileNames: '[name].mjs',
    })
    expect(rolldownConfig.input).toMatchObject({ fcv: 'trainer/src/launcher.ts' })
  })
  for (const [name, stage] of Object.entries(dvc.stages)) {
    const sub = stageCommand(stage.cmd)
    if (!sub) continue
    it(`stage ${name} runs an existing fcv command and depends on the bundle`, () => {
      expect(stage.deps).toContain('trainer/dist')
      const help = execFileSync(
        process.execPath,
        [join(root, 'trainer/src/cli.ts'), sub, '--help'],
        {
          encoding: 'utf8',
        }
      )
      expect(help).toContain(`Usage: fcv ${sub}`)
    })
    it(`stage ${name} names params sections and source paths that exist`, () => {
      for (const p of stage.params ?? []) expect(raw, `params.yaml section ${p}`).toHaveProperty(p)
      for (const dep of stage.deps.map(interpolate)) {
        const produced = Object.values(dvc.stages).some((s) =>
          outPaths([...(s.outs ?? []), ...(s.metrics ?? []), ...(s.plots ?? [])]).some(
            (o) => dep === o || dep.startsWith(o + '/') || o.startsWith(dep + '/')
          )
        )
        expect(produced || existsSync(join(root, dep)), `dependency ${dep}`).toBe(true)
      }
    })
  }
  it('every plot reads a file the evaluate stage writes', () => {
    const evaluate = dvc.stages['evaluate']!
    const plotted = outPaths(evaluate.plots ?? [])
    for (const plot of dvc.plots ?? []) {
      for (const spec of Object.values(plot)) {
        for (const file of Object.keys(spec.y)) expect(plotted, file).toContain(file)
      }
    }
  })
  it('register depends on the model and the evaluation, and records what it registered', () => {
    const register = dvc.stages['register']!
    const deps = register.deps.map(interpolate)
    expect(deps).toEqual(
      expect.arrayContaining([
        params.data.path,
        params.train.out_dir,
        `${params.evaluate.out_dir}/metrics.json`,
      ])
    )
    expect(outPaths(register.outs ?? [])).toEqual([params.register.out_file])
    expect(register.params).toEqual(['register'])
  })
  it('features depends on what ingest writes', () => {
    const ingestOut = outPaths(dvc.stages['ingest']!.outs ?? [])
    const featureDeps = dvc.stages['features']!.deps.map(interpolate)
    expect(featureDeps.some((d) => ingestOut.some((o) => d.startsWith(o + '/')))).toBe(true)
  })
})
