import { z } from '@hono/zod-openapi'
import { CHANNELS, ROLES } from '../db/schema.ts'

/** The one error envelope every failure uses. */
export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.string(),
      message: z.string(),
      details: z.unknown().optional(),
      requestId: z.string(),
    }),
  })
  .openapi('Error')

export const errorResponses = (...statuses: number[]) =>
  Object.fromEntries(
    statuses.map((s) => [
      s,
      {
        description: DESCRIPTIONS[s] ?? 'error',
        content: { 'application/json': { schema: ErrorSchema } },
      },
    ])
  )

const DESCRIPTIONS: Record<number, string> = {
  400: 'invalid request (the field and the reason are named)',
  401: 'missing or invalid token',
  403: 'the token’s role may not do this',
  404: 'not found',
  409: 'conflict: failed gates, a promotion in progress, a concurrent change',
  413: 'the body is too large',
  422: 'the request cannot be processed as sent',
  502: 'a push target refused the bundle (signature, digest, token); nothing changed',
  503: 'a dependency (MLflow, the signing key) is unavailable',
}

/** Registered model names as fcv allows them (trainer params.register.model_name). */
export const ModelNameParam = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/,
    'a model name is 1 to 100 letters, digits, ".", "_" or "-"'
  )
  .openapi({ param: { name: 'name', in: 'path' }, example: 'fcv-customer-value' })

export const VersionSchema = z
  .string()
  .regex(/^[1-9][0-9]{0,9}$/, 'a model version is a positive integer')
export const ChannelSchema = z.enum(CHANNELS)
export const RoleSchema = z.enum(ROLES)
export const ReasonSchema = z.string().trim().min(3, 'say why (at least 3 characters)').max(2000)

export const DeploymentStateSchema = z
  .object({
    championVersion: z.string().nullable(),
    championBundle: z.string().nullable(),
    canaryVersion: z.string().nullable(),
    canaryBundle: z.string().nullable(),
    canaryShare: z.number(),
    shadowVersion: z.string().nullable(),
    shadowBundle: z.string().nullable(),
  })
  .openapi('DeploymentState')

export const GateSchema = z
  .object({
    gate: z.string(),
    passed: z.boolean(),
    value: z.union([z.number(), z.string()]).nullable(),
    threshold: z.string(),
    detail: z.string(),
  })
  .openapi('Gate')

export const bearer = [{ bearer: [] }]

export const TargetOutcomeSchema = z
  .object({
    target: z.string(),
    outcome: z.enum(['delivered', 'pending', 'skipped']),
    detail: z.string().nullable(),
  })
  .openapi('TargetOutcome', {
    description:
      'delivered: the push target took the change; pending: it did not answer, and the reconciler delivers it when it does; skipped: the targets serve another model (FCV_MODEL_NAME)',
  })
