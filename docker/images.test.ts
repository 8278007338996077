import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { dockerignore, parseDockerfile, stagesOf } from './dockerfile.ts'
import { checkImage, type Context, type ImageSpec } from './image-rules.ts'

// The images cannot be built here (no Docker engine): their Dockerfiles are linted by hadolint and
// checkov (pinned in requirements.txt, in .venv) and their structure is checked by image-rules.ts,
// each on the real files and on broken copies that must fail.

const ROOT = join(import.meta.dirname, '..')
const read = (p: string) => readFileSync(join(ROOT, p), 'utf8')
const NODE_VERSION = /^FCV_NODE_VERSION=(\S+)$/m.exec(read('scripts/node-env.sh'))![1]!
const BASE_TAG = `node:${NODE_VERSION}-bookworm-slim`
const ctx: Context = { root: ROOT, excluded: dockerignore(read('.dockerignore')) }

const IMAGES: Record<string, ImageSpec> = {
  'docker/control-plane.Dockerfile': {
    baseTag: BASE_TAG,
    ports: ['8080'],
    healthcheck: '/healthz',
    // What package.json's "control-plane" script runs.
    entrypoint: ['node', 'control-plane/src/main.ts'],
    env: { HOST: '0.0.0.0', PORT: '8080', NODE_ENV: 'production' },
  },
  'docker/trainer.Dockerfile': {
    baseTag: BASE_TAG,
    ports: [],
    healthcheck: undefined,
    entrypoint: ['node', 'trainer/dist/fcv.mjs'],
    env: { FCV_BACKEND: 'native', NODE_ENV: 'production' },
    // The DVC venv's interpreter: the Jobs `dvc pull` before the pipeline.
    runtimePackages: ['python3'],
  },
}
const CONTROL_PLANE = 'docker/control-plane.Dockerfile'
const TRAINER = 'docker/trainer.Dockerfile'

/** A pinned Python tool from .venv (setup installs requirements.txt there), else from PATH. */
function tool(name: string, args: string[], input?: string) {
  const venv = join(ROOT, '.venv/bin', name)
  const r = spawnSync(existsSync(venv) ? venv : name, args, { cwd: ROOT, encoding: 'utf8', input })
  expect(r.error, `${name}: run \`bash scripts/setup.sh\` (requirements.txt)`).toBeUndefined()
  return { status: r.status, out: `${r.stdout}${r.stderr}` }
}

const scratch = mkdtempSync(join(tmpdir(), 'fcv-images-'))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

describe('structure', () => {
  for (const [file, spec] of Object.entries(IMAGES)) {
    it(`${file} holds the rules (base, user, ports, healthcheck, entrypoint, copies, no dev tools, no secrets)`, () => {
      expect(checkImage(read(file), spec, ctx)).toEqual([])
    })
  }

  it('the entrypoints exist: the control plane source, and the bundle the build stage makes', () => {
    expect(existsSync(join(ROOT, 'control-plane/src/main.ts'))).toBe(true)
    expect(JSON.parse(read('package.json')).scripts['control-plane']).toContain(
      'node control-plane/src/main.ts'
    )
    // trainer/dist is built in the image (npm run build), not copied from the context.
    const stages = stagesOf(parseDockerfile(read(TRAINER)))
    const build = stages.find((s) => s.name === 'build')!
    expect(build.instructions.map((i) => i.args)).toContain('npm run build --silent')
    expect(read('rolldown.config.ts')).toMatch(
      /fcv: 'trainer\/src\/launcher\.ts'[\s\S]*dir: 'trainer\/dist'/
    )
    expect(stages.at(-1)!.instructions.map((i) => i.args)).toContain(
      '--from=build /app/trainer/dist trainer/dist'
    )
  })

  it('the trainer builds the addon with scripts/build-tfjs-node.sh, in a stage with its tools', () => {
    const stages = stagesOf(parseDockerfile(read(TRAINER)))
    const addon = stages.find((s) =>
      s.instructions.some((i) => i.args.includes('scripts/build-tfjs-node.sh'))
    )!
    const runs = addon.instructions
      .filter((i) => i.keyword === 'RUN')
      .map((i) => i.args)
      .join('\n')
    for (const pkg of ['python3', 'python3-pip', 'g++', 'make'])
      expect(runs).toMatch(new RegExp(`\\s${pkg.replace('+', '\\+')}=`))
    expect(
      stages
        .at(-1)!
        .instructions.some((i) => i.args.includes(`--from=${addon.name} /app/node_modules`))
    ).toBe(true)
  })

  it('.dockerignore keeps local state, installs, data and secrets out of the context', () => {
    for (const p of [
      'node_modules',
      'core/node_modules/x',
      '.venv/bin/python',
      'data/interim/a.arrow',
      'models/candidate',
      '.git/HEAD',
      '.fcv-control-plane/pglite',
      'reports/metrics.json',
      'trainer/dist/fcv.mjs',
      '.env',
      'edge-worker/.dev.vars',
    ])
      expect(ctx.excluded(p), p).toBe(true)
    for (const p of [
      'package.json',
      'core/src/index.ts',
      'control-plane/drizzle',
      'scripts/build-tfjs-node.sh',
      'params.yaml',
    ])
      expect(ctx.excluded(p), p).toBe(false)
  })

  // Each broken copy must be caught, with a message that names what is wrong.
  const cp = read(CONTROL_PLANE)
  const broken: [string, string, RegExp][] = [
    [
      'unpinned base',
      cp.replaceAll(/@sha256:[0-9a-f]{64}/g, ''),
      /not pinned by tag and sha256 digest/,
    ],
    [
      'placeholder digest',
      cp.replaceAll(/sha256:[0-9a-f]{64}/g, `sha256:${'0'.repeat(64)}`),
      /placeholder/,
    ],
    ['another Node', cp.replaceAll(`node:${NODE_VERSION}-`, 'node:20.19.0-'), /is not node:/],
    ['root user', cp.replace('USER 10001:10001', 'USER root'), /USER root is not numeric/],
    ['uid 0', cp.replace('USER 10001:10001', 'USER 0'), /USER 0 is root/],
    ['no user', cp.replace(/^USER .*$/m, ''), /no USER/],
    [
      'user after the entrypoint',
      cp.replace(/^USER .*$/m, '') + 'USER 1000\n',
      /comes after ENTRYPOINT/,
    ],
    ['another port', cp.replace('EXPOSE 8080', 'EXPOSE 3000'), /EXPOSE 3000, want 8080/],
    ['no healthcheck', cp.replace(/^HEALTHCHECK[\s\S]*?\/healthz.*$/m, ''), /no HEALTHCHECK/],
    [
      'shell-form entrypoint',
      cp.replace(/^ENTRYPOINT .*$/m, 'ENTRYPOINT node control-plane/src/main.ts'),
      /not in exec form/,
    ],
    [
      'loopback host',
      cp.replace('HOST=0.0.0.0', 'HOST=127.0.0.1'),
      /ENV HOST=127\.0\.0\.1, want 0\.0\.0\.0/,
    ],
    [
      'missing source',
      cp.replace('COPY core/src core/src', 'COPY core/lib core/lib'),
      /COPY core\/lib: no such file/,
    ],
    [
      'ignored source',
      cp.replace('COPY core/src core/src', 'COPY core/src core/src\nCOPY data/sample data/sample'),
      /COPY data\/sample is in \.dockerignore/,
    ],
    [
      'unknown stage',
      cp.replace('--from=deps', '--from=dependencies'),
      /--from=dependencies is not a stage/,
    ],
    [
      'dev dependencies',
      cp.replace('npm ci --omit=dev', 'npm ci'),
      /want --omit=dev --ignore-scripts/,
    ],
    ['install scripts', cp.replace('--ignore-scripts', ''), /want --omit=dev --ignore-scripts/],
    [
      'tool in the final stage',
      cp.replace('RUN mkdir', 'RUN apt-get install -y curl && mkdir'),
      /final stage runs apt-get install/,
    ],
    [
      'npm in the final stage',
      cp.replace('RUN mkdir', 'RUN npm install left-pad && mkdir'),
      /final stage installs npm packages/,
    ],
    [
      'baked secret',
      cp.replace('ENV NODE_ENV', 'ARG FCV_ADMIN_TOKEN=abc\nENV NODE_ENV'),
      /ARG FCV_ADMIN_TOKEN has a value/,
    ],
    [
      'baked env secret',
      cp.replace('ENV NODE_ENV=production', 'ENV FCV_SIGNING_KEY=abc NODE_ENV=production'),
      /ENV FCV_SIGNING_KEY has a value/,
    ],
  ]
  for (const [what, text, message] of broken) {
    it(`fails a broken copy: ${what}`, () => {
      expect(text).not.toBe(cp) // the mutation applied
      const problems = checkImage(text, IMAGES[CONTROL_PLANE]!, ctx)
      expect(problems.join('\n')).toMatch(message)
    })
  }

  it('lets the trainer install only its pinned runtime packages', () => {
    const tr = read(TRAINER)
    const run = (extra: string) =>
      checkImage(
        tr.replace('python3=3.11.2-1+b1 \\\n  && rm -rf', `${extra} \\\n  && rm -rf`),
        IMAGES[TRAINER]!,
        ctx
      ).join('\n')
    expect(run('python3=3.11.2-1+b1')).toBe('')
    expect(run('python3=3.11.2-1+b1 g++=4:12.2.0-3')).toMatch(/final stage runs apt-get install/)
    expect(checkImage(tr, { ...IMAGES[TRAINER]!, runtimePackages: [] }, ctx).join('\n')).toMatch(
      /final stage runs apt-get install/
    )
  })

  it('fails a trainer with a healthcheck and the wrong entrypoint', () => {
    const text = read(TRAINER)
      .replace(
        'ENTRYPOINT ["node", "trainer/dist/fcv.mjs"]',
        'ENTRYPOINT ["node", "trainer/src/cli.ts"]'
      )
      .concat('HEALTHCHECK CMD ["node", "-e", "0"]\n')
    expect(checkImage(text, IMAGES[TRAINER]!, ctx).join('\n')).toMatch(
      /HEALTHCHECK, want none[\s\S]*ENTRYPOINT \["node","trainer\/src\/cli\.ts"\]/
    )
  })
})

describe('hadolint', () => {
  it('passes both Dockerfiles with .hadolint.yaml (every finding fails, none ignored)', () => {
    const r = tool('hadolint', ['--version'])
    expect(r.out).toMatch(/2\.15\.1/)
    const lint = tool('hadolint', ['-c', '.hadolint.yaml', CONTROL_PLANE, TRAINER])
    expect(lint.status, lint.out).toBe(0)
  })

  it('fails an unpinned apt-get install and an untagged base', () => {
    const bad = 'FROM node\nRUN apt-get update && apt-get install -y curl\nCMD ["node"]\n'
    const r = tool('hadolint', ['-c', '.hadolint.yaml', '-'], bad)
    expect(r.status).not.toBe(0)
    expect(r.out).toMatch(/DL3006/)
    expect(r.out).toMatch(/DL3008/)
  })
})

describe('checkov', () => {
  interface Report {
    summary: { passed: number; failed: number; skipped: number; parsing_errors: number }
    results: {
      failed_checks: { check_id: string; file_path: string }[]
      skipped_checks: { check_id: string; check_result: { suppress_comment?: string } }[]
    }
  }
  // --skip-download: offline (no policy metadata from the vendor's API).
  function checkov(...files: string[]): Report {
    const args = ['--framework', 'dockerfile', '--skip-download', '--compact', '-o', 'json']
    const r = tool('checkov', [...args, ...files.flatMap((f) => ['-f', f])])
    const parsed = JSON.parse(r.out.slice(r.out.indexOf('{'))) as Report | Report[]
    return Array.isArray(parsed) ? parsed[0]! : parsed
  }

  it('passes both Dockerfiles; every skipped check says why in the Dockerfile', () => {
    const report = checkov(CONTROL_PLANE, TRAINER)
    expect(report.results.failed_checks).toEqual([])
    expect(report.summary.parsing_errors).toBe(0)
    expect(report.summary.passed).toBeGreaterThan(100)
    for (const s of report.results.skipped_checks)
      expect(s.check_result.suppress_comment?.trim().length ?? 0, s.check_id).toBeGreaterThan(20)
    // Only the trainer's healthcheck is skipped: a batch CLI serves nothing to probe.
    expect(report.results.skipped_checks.map((s) => s.check_id)).toEqual(['CKV_DOCKER_2'])
  })

  it('fails a Dockerfile without USER and HEALTHCHECK on a latest base', () => {
    const bad = join(scratch, 'bad.Dockerfile')
    writeFileSync(bad, 'FROM node:latest\nCOPY . /app\nCMD ["node", "/app/x.js"]\n')
    const ids = checkov(bad).results.failed_checks.map((c) => c.check_id)
    expect(ids).toEqual(expect.arrayContaining(['CKV_DOCKER_2', 'CKV_DOCKER_3', 'CKV_DOCKER_7']))
  })
})
