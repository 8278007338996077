// A registered version's model files through MLflow's artifact proxy: what evaluate scores a
// channel's champion with, and what `fcv score --model-version / --alias` scores.

import { MlflowError, type MlflowClient } from '@fcv/core'
import { MODEL_FILES } from '../model/model-files.ts'

/** model.json and weights.bin as stored. */
export interface ModelFileBytes {
  modelJson: Uint8Array
  weights: Uint8Array
}

/** A version's artifact location: its source, or the logged model a `models:/<id>` source names. */
export async function artifactRoot(client: MlflowClient, source: string): Promise<string> {
  const id = /^models:\/(m-[^/]+)\/?$/.exec(source)?.[1]
  return id ? (await client.getLoggedModel(id)).artifact_uri : source
}

/**
 * The files of the model at a version's `source`, or the name of the first one MLflow does not have
 * (404); any other MLflow failure (server down, refused credentials) is thrown.
 */
export async function downloadModelFiles(
  client: MlflowClient,
  source: string
): Promise<ModelFileBytes | { missing: string }> {
  const root = await artifactRoot(client, source)
  const bytes: Uint8Array[] = []
  for (const file of [MODEL_FILES.model, MODEL_FILES.weights]) {
    try {
      bytes.push(await client.downloadArtifact(root, file))
    } catch (e) {
      if (!(e instanceof MlflowError && e.status === 404)) throw e
      return { missing: file }
    }
  }
  return { modelJson: bytes[0]!, weights: bytes[1]! }
}
