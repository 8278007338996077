// Keeps the MLflow aliases of every model deployed here as its deployments call for
// (channel-aliases.ts): on start (which migrates a registry from before per-channel champions),
// then every reconciliation interval; MLflow being down is retried with backoff.

import type { MlflowClient } from '@fcv/core'
import { listDeployments, type Db } from '../db/index.ts'
import type { Logger } from '../log.ts'
import { Periodic } from '../publish/periodic.ts'
import { reconcileAliases } from './channel-aliases.ts'

export interface AliasStatus {
  state: 'pending' | 'in_sync' | 'converged' | 'failed'
  checkedAt: string | null
  error: string | null
  /** What the last run changed, per model. */
  changes: Record<string, string[]>
}

export class AliasSync {
  private current: AliasStatus = { state: 'pending', checkedAt: null, error: null, changes: {} }
  private readonly periodic: Periodic
  private readonly deps: { db: Db; mlflow: MlflowClient; log: Logger }

  constructor(
    deps: { db: Db; mlflow: MlflowClient; log: Logger },
    o: { intervalMs: number; backoffBaseMs?: number }
  ) {
    this.deps = deps
    this.periodic = new Periodic(() => this.once(), o)
  }

  start(): void {
    this.periodic.start()
  }

  stop(): Promise<void> {
    return this.periodic.stop()
  }

  async reconcileNow(): Promise<AliasStatus> {
    await this.periodic.runNow()
    return this.status()
  }

  status(): AliasStatus {
    return this.current
  }

  private async once(): Promise<boolean> {
    const { db, mlflow, log } = this.deps
    const changes: Record<string, string[]> = {}
    try {
      const models = [...new Set((await listDeployments(db)).map((d) => d.modelName))]
      for (const model of models) {
        const made = await reconcileAliases(db, mlflow, model)
        if (made.length) {
          changes[model] = made
          log.info({ model, changes: made }, 'MLflow aliases reconciled')
        }
      }
      this.current = {
        state: Object.keys(changes).length ? 'converged' : 'in_sync',
        checkedAt: new Date().toISOString(),
        error: null,
        changes,
      }
      return true
    } catch (e) {
      const error = (e as Error).message
      if (this.current.state !== 'failed')
        log.warn({ err: error }, 'MLflow aliases: reconciliation failed')
      this.current = { state: 'failed', checkedAt: new Date().toISOString(), error, changes }
      return false
    }
  }
}
