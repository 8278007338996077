// The README's shell blocks as one bash script, run as a user runs them (walk.test.ts).

import { shellBlocks } from './blocks.ts'

/**
 * `bash scripts/main.sh` serves until Ctrl-C: a user runs it in a terminal of its own and the
 * README's next blocks in another. The walk does the same: it starts it in the background, waits
 * until it says it serves, and sends it SIGINT (Ctrl-C) before the next `bash scripts/main.sh` and at
 * the end, failing unless it stops cleanly. `--check` and `--help` runs end by themselves.
 */
const LOOP_HELPERS = `
FCV_WALK_LOOP=
FCV_WALK_LOOP_LOG=$(mktemp)
fcv_walk_serve() {
  "$@" > "$FCV_WALK_LOOP_LOG" 2>&1 &
  FCV_WALK_LOOP=$!
  for _ in $(seq 1 900); do
    if grep -q '^fcv is running' "$FCV_WALK_LOOP_LOG"; then cat "$FCV_WALK_LOOP_LOG"; return 0; fi
    if ! kill -0 "$FCV_WALK_LOOP" 2>/dev/null; then
      cat "$FCV_WALK_LOOP_LOG"; echo "::: $* exited before it served"; FCV_WALK_LOOP=; return 1
    fi
    sleep 1
  done
  cat "$FCV_WALK_LOOP_LOG"; echo "::: $* did not serve within 900 s"; return 1
}
fcv_walk_ctrl_c() {
  [ -n "$FCV_WALK_LOOP" ] || return 0
  kill -INT "$FCV_WALK_LOOP"
  local code=0
  wait "$FCV_WALK_LOOP" || code=$?
  FCV_WALK_LOOP=
  printf '\n::: the loop after Ctrl-C exited %s:\n' "$code"
  tail -n 3 "$FCV_WALK_LOOP_LOG"
  return "$code"
}
`

/** A README line as the walk runs it: the serving loop in a "terminal of its own". */
export function walkLine(line: string): string {
  const loop = /^(bash scripts\/main\.sh\b[^#]*?)\s*(#.*)?$/.exec(line)
  if (!loop) return line
  const command = loop[1]!
  if (/\s--(check|help)\b/.test(command)) return `fcv_walk_ctrl_c\n${command}`
  return `fcv_walk_ctrl_c\nfcv_walk_serve ${command}`
}

/** The walk as one bash script: each block after a line naming where it is in the README. */
export function walkScript(markdown: string): string {
  const parts = shellBlocks(markdown).map((b) => {
    const code = b.code
      .split('\n')
      .filter((l) => !/^bash scripts\/test\.sh\b/.test(l))
      .map(walkLine)
      .join('\n')
    // A newline first: curl's JSON answers end without one.
    return `printf '\\n%s\\n' ${JSON.stringify(`::: README.md line ${b.line} (${b.section})`)}\n${code}`
  })
  return [
    'set -euo pipefail',
    LOOP_HELPERS,
    ...parts,
    'fcv_walk_ctrl_c',
    'rm -f "$FCV_WALK_LOOP_LOG"',
    "printf '\\n%s\\n' '::: walked'",
    '',
  ].join('\n')
}
