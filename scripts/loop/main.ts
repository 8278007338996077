#!/usr/bin/env node
// `bash scripts/main.sh`: the whole loop on this machine, served until Ctrl-C, or checked once with
// --check. main.sh runs the setup first and passes its start time and the setup's seconds.

import { resolve } from 'node:path'
import { parseLoopArgs, USAGE, UsageError } from './args.ts'
import { checkLoop, CheckFailed } from './check.ts'
import { addresses, startLoop, STEPS, type RunningLoop } from './loop.ts'
import { createProgress, StepFailed } from './progress.ts'
import { GatesRefused } from './promote.ts'
import { claimPidFile, openStateDir } from './state.ts'

const ROOT = resolve(import.meta.dirname, '../..')
const say = (line = '') => process.stdout.write(`${line}\n`)

function banner(loop: RunningLoop): void {
  const a = addresses(loop)
  const width = Math.max(...Object.keys(a).map((k) => k.length))
  say()
  say(
    `fcv is running: "${loop.model}" version ${loop.version} serves on the edge and widget channels${loop.forced.length ? ` (forced over failed gates on ${loop.forced.join(', ')}: see the table above)` : ''}`
  )
  for (const [name, url] of Object.entries(a)) say(`  ${name.padEnd(width)}  ${url}`)
  say()
  say(
    `The admin pages take the admin token: in another terminal, \`source ${loop.state.path('env')}\` and use $FCV_ADMIN_TOKEN.`
  )
  say('Score a customer at the edge (their purchase history in, next-90-day value out):')
  say(
    `  curl -s ${loop.worker.url}/v1/predict -H 'content-type: application/json' -d @${loop.state.path('demo', 'predict-request.json')}`
  )
  say(`Logs: ${loop.state.logs}. Ctrl-C stops everything this started.`)
}

function timings(marks: Record<string, number>): string {
  return Object.entries(marks)
    .map(([k, v]) => `${k} ${v.toFixed(1)} s`)
    .join(', ')
}

async function main(): Promise<number> {
  let args
  try {
    args = parseLoopArgs(process.argv.slice(2))
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`scripts/main.sh: ${e.message}\n\n${USAGE}`)
      return 2
    }
    throw e
  }
  if (args.help) {
    say(USAGE)
    return 0
  }
  const startedAt = Number(process.env['FCV_LOOP_STARTED_MS']) || Date.now()
  const setup = Number(process.env['FCV_SETUP_SECONDS'])
  const state = openStateDir(ROOT)
  const release = claimPidFile(state)
  const progress = createProgress(STEPS.length + (args.check ? 4 : 0), startedAt)
  if (Number.isFinite(setup)) progress.mark('setup', setup)
  let loop: RunningLoop | null = null
  let stopping = false
  const stop = async (why: string) => {
    if (stopping) return
    stopping = true
    say(`\n[loop] ${why}: stopping what this run started ...`)
    await loop?.stop()
    release()
    say('[loop] stopped')
  }
  // Until the loop is up, a signal stops the start (the child processes get it from the terminal).
  let interrupted = false
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted && !loop) process.exit(130) // a second Ctrl-C while starting: leave now
    interrupted = true
    if (loop) void stop(signal).then(() => process.exit(0))
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  try {
    loop = await startLoop(ROOT, args, state, progress)
    if (interrupted) {
      await stop('interrupted')
      return 130
    }
    if (args.check) {
      await checkLoop(ROOT, loop, args.sets, progress)
      say(`[loop] check passed; timings since main.sh started: ${timings(progress.marks)}`)
      await stop('check done')
      return 0
    }
    say(`[loop] timings since main.sh started: ${timings(progress.marks)}`)
    banner(loop)
    const running = loop
    void running.controlPlane.exited.then(() => {
      if (!stopping) {
        say(
          `[loop] the control plane exited (${running.controlPlane.log}); the Worker and the widget keep serving the last good model. Ctrl-C and run scripts/main.sh again to bring it back.`
        )
      }
    })
    // Until a signal; the timer keeps Node alive while servers close one by one during the stop.
    setInterval(() => {}, 1 << 30)
    await new Promise<never>(() => {})
    return 0
  } catch (e) {
    if (interrupted) {
      // Ctrl-C while starting: the step it cut short failed because of it, not on its own.
      await stop('interrupted')
      return 130
    }
    const err = e as Error
    const named = err instanceof StepFailed ? `step "${err.stepName}" failed` : 'failed'
    process.stderr.write(
      `\nscripts/main.sh: ${named}: ${err instanceof StepFailed ? (err.cause as Error).message : err.message}\n`
    )
    if (!(err instanceof StepFailed) && !(err instanceof CheckFailed) && err.stack)
      process.stderr.write(`${err.stack}\n`)
    await stop('failed')
    const cause = err instanceof StepFailed ? err.cause : err
    return cause instanceof GatesRefused ? 3 : 1
  }
}

process.exitCode = await main()
