import { mkdir, rename, rm, writeFile } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'

/**
 * Writes a file whole or not at all: into a sibling temporary file, then renamed over the target, so
 * a reader (or a failed run) never sees half of it and the previous content survives a failure.
 */
export async function writeFileAtomically(path: string, text: string): Promise<void> {
  const dir = dirname(path)
  await mkdir(dir, { recursive: true })
  const tmp = join(dir, `.fcv-tmp-${basename(path)}-${process.pid}-${Date.now()}`)
  try {
    await writeFile(tmp, text)
    await rename(tmp, path)
  } catch (e) {
    await rm(tmp, { force: true })
    throw e
  }
}
