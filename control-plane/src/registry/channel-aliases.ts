// The MLflow aliases the deployments call for: `champion-<channel>` on each channel's champion and
// `previous-<channel>` on the one before it (core's championAlias/previousAlias). Promotions and
// rollbacks move them as they happen; this puts back any that drifted (moved by hand, a promotion
// cut short after its record) and migrates registries from before per-channel champions, whose
// model-wide `champion`/`previous` aliases are removed once the per-channel ones are set.

import { championAlias, LEGACY_ALIASES, previousAlias, type MlflowClient } from '@fcv/core'
import { listDeploymentRevisions, listDeployments, type Db } from '../db/index.ts'

/** alias → version, for one model, from its deployments and their history. */
export async function wantedAliases(db: Db, model: string): Promise<Map<string, string>> {
  const wanted = new Map<string, string>()
  for (const d of await listDeployments(db, model)) {
    if (!d.championVersion) continue
    wanted.set(championAlias(d.channel), d.championVersion)
    const history = await listDeploymentRevisions(db, model, d.channel, { limit: 1000 })
    const previous = history.find(
      (r) => r.championVersion && r.championVersion !== d.championVersion
    )?.championVersion
    if (previous) wanted.set(previousAlias(d.channel), previous)
  }
  return wanted
}

/**
 * Sets every alias the model's deployments call for that MLflow does not have, and removes the
 * legacy model-wide ones; returns what it changed ("champion-edge → 4", "removed the model-wide alias champion").
 * A model without deployments (not managed here) is left alone.
 */
export async function reconcileAliases(
  db: Db,
  mlflow: MlflowClient,
  model: string
): Promise<string[]> {
  const wanted = await wantedAliases(db, model)
  if (!wanted.size) return []
  const registered = await mlflow.getRegisteredModel(model)
  if (!registered) return []
  const current = new Map((registered.aliases ?? []).map((a) => [a.alias, String(a.version)]))
  const changes: string[] = []
  for (const [alias, version] of wanted) {
    if (current.get(alias) === version) continue
    await mlflow.setAlias(model, alias, version)
    changes.push(`${alias} → ${version}`)
  }
  // Per-channel aliases that no deployment calls for any more are left: they name what served.
  for (const legacy of LEGACY_ALIASES) {
    if (!current.has(legacy)) continue
    await mlflow.deleteAlias(model, legacy)
    changes.push(`removed the model-wide alias ${legacy}`)
  }
  return changes
}
