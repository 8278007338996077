// Registered models and their versions, mirrored from MLflow.

import { and, asc, eq, sql } from 'drizzle-orm'
import { models, modelVersions } from './schema.ts'
import type { Db, Model, ModelVersion, NewModelVersion } from './types.ts'

export type ModelWithVersions = Model & { versions: ModelVersion[] }

/** MLflow versions are decimal strings: "10" comes after "9". */
const byVersion = (a: ModelVersion, b: ModelVersion) =>
  a.version.localeCompare(b.version, 'en', { numeric: true })

/** Creates the model, or touches updated_at and sets the description when one is given. */
export async function upsertModel(
  db: Db,
  model: { name: string; description?: string | null }
): Promise<Model> {
  const { description } = model
  const [row] = await db
    .insert(models)
    .values(model)
    .onConflictDoUpdate({
      target: models.name,
      set:
        description === undefined
          ? { updatedAt: sql`now()` }
          : { description, updatedAt: sql`now()` },
    })
    .returning()
  return row!
}

export async function getModel(db: Db, name: string): Promise<Model | undefined> {
  const [row] = await db.select().from(models).where(eq(models.name, name))
  return row
}

/**
 * Writes a version as an MLflow sync saw it, every column (an omitted optional one becomes null);
 * the model must exist (upsertModel first).
 */
export async function upsertModelVersion(db: Db, version: NewModelVersion): Promise<ModelVersion> {
  const { modelName, version: v, ...fields } = version
  const changes = {
    ...fields,
    modelId: fields.modelId ?? null,
    featureSpecVersion: fields.featureSpecVersion ?? null,
    mlflowCreatedAt: fields.mlflowCreatedAt ?? null,
  }
  const [row] = await db
    .insert(modelVersions)
    .values({ modelName, version: v, ...changes })
    .onConflictDoUpdate({
      target: [modelVersions.modelName, modelVersions.version],
      set: { ...changes, syncedAt: sql`now()` },
    })
    .returning()
  return row!
}

export async function getModelVersion(
  db: Db,
  modelName: string,
  version: string
): Promise<ModelVersion | undefined> {
  const [row] = await db
    .select()
    .from(modelVersions)
    .where(and(eq(modelVersions.modelName, modelName), eq(modelVersions.version, version)))
  return row
}

/** Every model by name, each with its versions in version order. */
export async function listModels(db: Db): Promise<ModelWithVersions[]> {
  const rows = await db
    .select({ model: models, version: modelVersions })
    .from(models)
    .leftJoin(modelVersions, eq(modelVersions.modelName, models.name))
    .orderBy(asc(models.name))
  const byModel = new Map<string, ModelWithVersions>()
  for (const { model, version } of rows) {
    let entry = byModel.get(model.name)
    if (!entry) byModel.set(model.name, (entry = { ...model, versions: [] }))
    if (version) entry.versions.push(version)
  }
  for (const entry of byModel.values()) entry.versions.sort(byVersion)
  return [...byModel.values()]
}
