import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi'
import type { AppEnv } from '../app-env.ts'
import type { Services } from '../services.ts'

const Check = z.object({ ok: z.boolean(), detail: z.string().optional() })
const Ready = z.object({ ready: z.boolean(), checks: z.object({ database: Check, mlflow: Check }) })

/** Liveness (the process serves) and readiness (its database and MLflow answer). */
export function healthRoutes(app: OpenAPIHono<AppEnv>, s: Services): void {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/healthz',
      tags: ['health'],
      summary: 'Liveness: the process is up',
      responses: {
        200: {
          description: 'alive',
          content: { 'application/json': { schema: z.object({ ok: z.literal(true) }) } },
        },
      },
    }),
    (c) => c.json({ ok: true as const }, 200)
  )
  app.openapi(
    createRoute({
      method: 'get',
      path: '/readyz',
      tags: ['health'],
      summary: 'Readiness: the database and MLflow are reachable',
      responses: {
        200: { description: 'ready', content: { 'application/json': { schema: Ready } } },
        503: { description: 'not ready', content: { 'application/json': { schema: Ready } } },
      },
    }),
    async (c) => {
      const probe = async (f: () => Promise<unknown>) => {
        try {
          await f()
          return { ok: true }
        } catch (e) {
          return { ok: false, detail: (e as Error).message }
        }
      }
      const [database, mlflow] = await Promise.all([
        probe(() => s.db.ping()),
        probe(() => s.mlflowProbe()),
      ])
      const ready = database.ok && mlflow.ok
      return c.json({ ready, checks: { database, mlflow } }, ready ? 200 : 503)
    }
  )
}
