// Writes the Grafana dashboards (committed JSON next to this file) from their TypeScript sources.
// `node k8s/monitoring/dashboards/generate.ts` writes them; `--check` exits 1 when a committed
// file differs from what this would write. A test runs the same comparison.

import { readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { format } from 'prettier'
import { controlPlane } from './control-plane.ts'
import { fleetOverview } from './fleet-overview.ts'

const DIR = path.dirname(fileURLToPath(import.meta.url))

/** Each dashboard's file and its JSON text as this generator writes it (formatted as prettier would). */
export async function renderDashboards(): Promise<{ file: string; json: string }[]> {
  const dashboards = [
    { file: path.join(DIR, 'fcv-fleet-overview.json'), dashboard: fleetOverview() },
    { file: path.join(DIR, 'fcv-control-plane.json'), dashboard: controlPlane() },
  ]
  return Promise.all(
    dashboards.map(async ({ file, dashboard }) => ({
      file,
      json: await format(JSON.stringify(dashboard), { parser: 'json' }),
    }))
  )
}

function committed(file: string): string | null {
  try {
    return readFileSync(file, 'utf8')
  } catch {
    return null
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const check = process.argv.includes('--check')
  let stale = 0
  for (const { file, json } of await renderDashboards()) {
    if (!check) {
      writeFileSync(file, json)
      console.log(`wrote ${file}`)
    } else if (committed(file) === json) {
      console.log(`${file} is up to date`)
    } else {
      console.log(`${file} differs: run without --check`)
      stale++
    }
  }
  process.exit(stale ? 1 : 0)
}
