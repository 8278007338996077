import { mkdir, rename, rm } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'

/**
 * Builds a directory's whole content in a sibling temporary directory, then swaps it into place.
 * A failure at any point removes the temporary directory and leaves the previous content (if any)
 * untouched, so a failed stage never leaves a half-written output for the next stage to trust.
 * `carryOver` names entries of the previous content moved into the new one after the swap.
 */
export async function writeDirAtomically<T>(
  outDir: string,
  build: (tmpDir: string) => Promise<T>,
  options: { carryOver?: readonly string[] } = {}
): Promise<T> {
  const parent = dirname(outDir)
  const tag = `${process.pid}-${Date.now()}`
  const tmp = join(parent, `.fcv-tmp-${basename(outDir)}-${tag}`)
  const old = join(parent, `.fcv-old-${basename(outDir)}-${tag}`)
  await mkdir(tmp, { recursive: true })
  let result: T
  try {
    result = await build(tmp)
  } catch (e) {
    await rm(tmp, { recursive: true, force: true })
    throw e
  }
  let movedOld = false
  try {
    await rename(outDir, old)
    movedOld = true
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') {
      await rm(tmp, { recursive: true, force: true })
      throw e
    }
  }
  try {
    await rename(tmp, outDir)
  } catch (e) {
    if (movedOld) await rename(old, outDir)
    await rm(tmp, { recursive: true, force: true })
    throw e
  }
  if (movedOld) {
    // Entries of the previous content the new one keeps (the shards a merge was built from): a
    // rename within the same parent, after the swap, so a failed build never touches them.
    for (const name of options.carryOver ?? []) {
      await rename(join(old, name), join(outDir, name)).catch((e: NodeJS.ErrnoException) => {
        if (e.code !== 'ENOENT') throw e
      })
    }
    await rm(old, { recursive: true, force: true })
  }
  return result
}
