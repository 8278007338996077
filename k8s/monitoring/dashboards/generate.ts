// Writes the Grafana dashboards (committed JSON next to this file) from their TypeScript sources.
// `node k8s/monitoring/dashboards/generate.ts` writes them; `--check` exits 1 when a committed
// file differs from what this would write. A test runs the same comparison.

import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { format } from 'prettier'
import { controlPlane } from './control-plane.ts'
import { fleetOverview } from './fleet-overview.ts'
import { writeOrCheck } from '../generated-files.ts'

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

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeOrCheck(
    (await renderDashboards()).map(({ file, json }) => ({ file, text: json })),
    process.argv
  )
}
