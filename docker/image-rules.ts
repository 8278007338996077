// What every fcv image must hold, checked on the Dockerfile's text (no Docker engine needed): the
// base pinned by tag and digest, a non-root user before the entrypoint, the intended ports,
// healthcheck and entrypoint, COPY sources that exist and reach the build context, production
// dependencies only and no build tools in the final stage, no secret baked in.

import { existsSync } from 'node:fs'
import { join } from 'node:path'
import {
  assignmentsOf,
  copyOf,
  execForm,
  parseDockerfile,
  stagesOf,
  type Instruction,
} from './dockerfile.ts'

export interface ImageSpec {
  /** The base every stage uses: `node:<version>-bookworm-slim`, the Node of scripts/node-env.sh. */
  baseTag: string
  ports: string[]
  /** The HEALTHCHECK's exec-form command must contain this (a path it probes), or none at all. */
  healthcheck: string | undefined
  entrypoint: string[]
  /** ENV the final stage must set. */
  env: Record<string, string>
  /**
   * Debian packages the final stage may install, pinned, because the image runs them (the
   * trainer's python3 for its DVC venv); compilers, pip and network tools never.
   */
  runtimePackages?: readonly string[]
}

export interface Context {
  /** The repository root: the build context. */
  root: string
  /** From .dockerignore. */
  excluded: (path: string) => boolean
}

const DIGEST = /^(?<name>[^@:\s]+):(?<tag>[^@\s]+)@sha256:(?<hex>[0-9a-f]{64})$/
// A copied digest must be a real one: these are the shapes of a placeholder.
const PLACEHOLDER_DIGEST = /^(0+|f+|(0123456789abcdef)+|(deadbeef)+)$/
const SECRET_NAME = /TOKEN|KEY|PASSWORD|SECRET|CREDENTIAL/i
// Compilers, package managers' build helpers, network tools: build stages only.
const BUILD_TOOLS =
  /\b(apt-get install|apt install|apk add|g\+\+|gcc|make|python3?|pip3?|curl|wget|git)\b/
const NPM_INSTALL = /\bnpm (ci|install|i)\b[^&;|]*/g
const APT_INSTALL = /\bapt-get install(?: -[-\w]+)*((?: [\w.+-]+=[\w.:~+-]+)+)/

/**
 * `args` without an `apt-get install` of allowed runtime packages (each pinned) and the apt-get
 * update and list cleanup around it, so that what is left is checked for build tools.
 */
function runtimeInstallsRemoved(args: string, allowed: readonly string[] = []): string {
  const m = APT_INSTALL.exec(args)
  if (!m || allowed.length === 0) return args
  const packages = m[1]!.trim().split(/\s+/)
  if (!packages.every((p) => allowed.includes(p.slice(0, p.indexOf('='))))) return args
  return args
    .replace(m[0], '')
    .replace(/\bapt-get update\b/, '')
    .replace(/\brm -rf \/var\/lib\/apt\/lists\/\*/, '')
}

export function checkImage(dockerfile: string, spec: ImageSpec, ctx: Context): string[] {
  const problems: string[] = []
  let stages
  try {
    stages = stagesOf(parseDockerfile(dockerfile))
  } catch (e) {
    return [`does not parse: ${(e as Error).message}`]
  }
  const final = stages.at(-1)
  if (!final) return ['has no FROM']
  const names = new Set(stages.map((s) => s.name).filter(Boolean))

  for (const stage of stages) {
    if (stage.name && names.has(stage.image)) continue // FROM an earlier stage
    const m = DIGEST.exec(stage.image)
    if (!m) {
      problems.push(`base ${stage.image} is not pinned by tag and sha256 digest`)
      continue
    }
    const { name, tag, hex } = m.groups!
    if (`${name}:${tag}` !== spec.baseTag)
      problems.push(`base ${name}:${tag} is not ${spec.baseTag}`)
    if (PLACEHOLDER_DIGEST.test(hex!)) problems.push(`base digest sha256:${hex} is a placeholder`)
  }

  const finalOf = (k: string) => final.instructions.filter((i) => i.keyword === k)
  const last = (k: string): Instruction | undefined => finalOf(k).at(-1)

  // The user: numeric (Kubernetes' runAsNonRoot can only verify a number), not root, set before
  // the entrypoint and never switched back.
  const user = last('USER')
  const run = [...finalOf('ENTRYPOINT'), ...finalOf('CMD')]
  if (!user) problems.push('final stage has no USER (runs as root)')
  else {
    const [uid = '', gid] = user.args.split(':')
    if (!/^\d+$/.test(uid) || (gid !== undefined && !/^\d+$/.test(gid)))
      problems.push(`USER ${user.args} is not numeric uid:gid`)
    else if (Number(uid) === 0 || gid === '0') problems.push(`USER ${user.args} is root`)
    if (run.some((r) => r.line < user.line))
      problems.push(`USER (line ${user.line}) comes after ENTRYPOINT/CMD`)
  }

  const ports = finalOf('EXPOSE').flatMap((i) => i.args.split(/\s+/))
  if (ports.join(' ') !== spec.ports.join(' '))
    problems.push(`EXPOSE ${ports.join(' ') || '(none)'}, want ${spec.ports.join(' ') || '(none)'}`)

  const health = last('HEALTHCHECK')
  if (spec.healthcheck === undefined) {
    if (health) problems.push('has a HEALTHCHECK, want none')
  } else if (!health) problems.push('has no HEALTHCHECK')
  else {
    const cmd = /\bCMD\s+(\[.*\])\s*$/s.exec(health.args)?.[1]
    const argv = cmd ? execForm(cmd) : undefined
    if (!argv) problems.push('HEALTHCHECK is not an exec-form CMD')
    else if (argv[0] !== 'node' || !argv.join(' ').includes(spec.healthcheck))
      problems.push(`HEALTHCHECK ${argv.join(' ')} does not probe ${spec.healthcheck} with node`)
  }

  const entry = last('ENTRYPOINT')
  const argv = entry ? execForm(entry.args) : undefined
  if (!argv)
    problems.push('ENTRYPOINT is missing or not in exec form (signals would go to a shell)')
  else if (JSON.stringify(argv) !== JSON.stringify(spec.entrypoint))
    problems.push(`ENTRYPOINT ${JSON.stringify(argv)}, want ${JSON.stringify(spec.entrypoint)}`)

  const env = new Map(
    finalOf('ENV')
      .flatMap(assignmentsOf)
      .map((a) => [a.key, a.value] as const)
  )
  for (const [k, v] of Object.entries(spec.env))
    if (env.get(k) !== v) problems.push(`ENV ${k}=${env.get(k) ?? '(unset)'}, want ${v}`)

  // Sources from the build context: present in the repository and not left out by .dockerignore.
  for (const stage of stages) {
    for (const ins of stage.instructions) {
      if (ins.keyword === 'ADD') problems.push(`line ${ins.line}: ADD (use COPY)`)
      if (ins.keyword !== 'COPY') continue
      const copy = copyOf(ins)
      if (copy.from !== undefined) {
        if (!names.has(copy.from))
          problems.push(`line ${ins.line}: COPY --from=${copy.from} is not a stage`)
        continue
      }
      for (const src of copy.sources) {
        if (!existsSync(join(ctx.root, src)))
          problems.push(`line ${ins.line}: COPY ${src}: no such file`)
        else if (ctx.excluded(src))
          problems.push(`line ${ins.line}: COPY ${src} is in .dockerignore`)
      }
    }
  }

  // Production dependencies only: the final stage installs nothing itself, and every stage it
  // copies node_modules from installs with --omit=dev and without install scripts.
  for (const ins of finalOf('RUN')) {
    const tool = BUILD_TOOLS.exec(runtimeInstallsRemoved(ins.args, spec.runtimePackages))?.[0]
    if (tool) problems.push(`line ${ins.line}: final stage runs ${tool} (build stages only)`)
    if (NPM_INSTALL.test(ins.args))
      problems.push(`line ${ins.line}: final stage installs npm packages`)
    NPM_INSTALL.lastIndex = 0
  }
  for (const ins of finalOf('COPY')) {
    const copy = copyOf(ins)
    if (!copy.from || !copy.sources.some((s) => s.endsWith('node_modules'))) continue
    const from = stages.find((s) => s.name === copy.from)
    const installs = (from?.instructions ?? [])
      .filter((i) => i.keyword === 'RUN')
      .flatMap((i) => i.args.match(NPM_INSTALL) ?? [])
    if (installs.length === 0)
      problems.push(`line ${ins.line}: node_modules of ${copy.from}: no npm ci there`)
    for (const cmd of installs)
      if (!/--omit=dev\b/.test(cmd) || !/--ignore-scripts\b/.test(cmd))
        problems.push(
          `line ${ins.line}: node_modules from \`${cmd.trim()}\` (want --omit=dev --ignore-scripts)`
        )
  }

  // No secret baked into a layer: ARG or ENV named like one and given a value.
  for (const stage of stages)
    for (const ins of stage.instructions.filter((i) => i.keyword === 'ARG' || i.keyword === 'ENV'))
      for (const { key, value } of assignmentsOf(ins))
        if (SECRET_NAME.test(key) && value !== undefined && value !== '')
          problems.push(
            `line ${ins.line}: ${ins.keyword} ${key} has a value (secrets come at run time)`
          )

  return problems
}
