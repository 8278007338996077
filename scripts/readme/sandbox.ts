// A copy of the repository as a user's fresh clone has it: the files git tracks (and new ones not
// ignored, so uncommitted work is walked too), in a git repository of its own so that what the
// walk leaves behind shows in `git status`. The installed parts (node_modules, .venv) are linked
// from this checkout: setup finds them done, as on a machine that ran it before.

import { execFileSync } from 'node:child_process'
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'

const LINKED = ['node_modules', '.venv']

export function makeSandbox(root: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'fcv-readme-'))
  const listed = execFileSync(
    'git',
    ['ls-files', '-z', '--cached', '--others', '--exclude-standard'],
    {
      cwd: root,
    }
  )
  for (const file of listed.toString().split('\0')) {
    if (!file || !existsSync(join(root, file))) continue // deleted in the working tree
    mkdirSync(dirname(join(dir, file)), { recursive: true })
    copyFileSync(join(root, file), join(dir, file)) // modes too (scripts stay executable)
  }
  for (const name of LINKED) symlinkSync(join(root, name), join(dir, name))
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=fcv', '-c', 'user.email=fcv@localhost', ...args], {
      cwd: dir,
      stdio: 'ignore',
    })
  git('init', '-q')
  // The links stand for installed folders, which .gitignore ignores as folders.
  writeFileSync(join(dir, '.git/info/exclude'), LINKED.map((n) => `/${n}\n`).join(''))
  git('add', '-A')
  git('commit', '-q', '-m', 'the checkout under test')
  return dir
}

/** What `git status` shows after the walk: files a user would be offered to commit. */
export function untracked(dir: string): string[] {
  const out = execFileSync('git', ['status', '--porcelain', '--untracked-files=all'], { cwd: dir })
  return out.toString().split('\n').filter(Boolean)
}
