// One process owns a PGlite data folder: a second one opening it would corrupt it. The owner
// writes its pid into `<dataDir>.lock` (created exclusively); a lock whose process is gone is
// taken over, one whose process lives is refused with a message that says which.

import { mkdirSync, openSync, readFileSync, rmSync, writeSync, closeSync } from 'node:fs'
import path from 'node:path'

export class DataDirInUseError extends Error {
  override name = 'DataDirInUseError'
}

/** Whether a process with this pid exists (for pid files). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    // EPERM: it exists, under another user.
    return (e as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** Creates the data folder (and its parents) and takes its lock; returns the release. */
export function lockDataDir(dataDir: string): () => void {
  mkdirSync(dataDir, { recursive: true })
  const lockPath = `${path.resolve(dataDir)}.lock`
  for (let attempt = 0; attempt < 2; attempt++) {
    let fd: number
    try {
      fd = openSync(lockPath, 'wx')
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e
      const pid = Number(readFileSync(lockPath, 'utf8').trim())
      if (Number.isInteger(pid) && pid > 0 && processAlive(pid)) {
        throw new DataDirInUseError(
          `the data folder ${dataDir} is in use by process ${pid} (another control plane?): ` +
            `stop it first (kill ${pid}), or give this one its own FCV_DATA_DIR`
        )
      }
      rmSync(lockPath, { force: true }) // left by a process that is gone
      continue
    }
    writeSync(fd, `${process.pid}\n`)
    closeSync(fd)
    return () => rmSync(lockPath, { force: true })
  }
  throw new DataDirInUseError(`could not take the lock ${lockPath}`)
}
