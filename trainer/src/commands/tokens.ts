// `fcv tokens create|list|revoke`: manage control-plane API tokens through its API, as an admin.
// FCV_CONTROL_PLANE_URL (default http://127.0.0.1:8080) and FCV_ADMIN_TOKEN say where and who.

import { callApi, ReleaseError } from '../release/api.ts'

export class TokensCommandError extends Error {
  override name = 'TokensCommandError'
}

interface Target {
  url: string
  token: string
}

function target(env: Record<string, string | undefined>): Target {
  const token = env['FCV_ADMIN_TOKEN']
  if (!token) {
    throw new TokensCommandError(
      'FCV_ADMIN_TOKEN is not set: managing tokens needs an admin token (the bootstrap one or one created with --role admin)'
    )
  }
  return {
    url: (env['FCV_CONTROL_PLANE_URL'] ?? 'http://127.0.0.1:8080').replace(/\/+$/, ''),
    token,
  }
}

/** One API call, through the client `fcv release` uses; its errors keep their message. */
async function call(t: Target, method: string, path: string, body?: unknown): Promise<unknown> {
  try {
    const o = body === undefined ? { timeoutMs: 15_000 } : { body, timeoutMs: 15_000 }
    return (await callApi<unknown>(t, method, path, o)).body
  } catch (e) {
    if (e instanceof ReleaseError) throw new TokensCommandError(e.message)
    throw e
  }
}

export async function tokensCommand(
  action: string,
  o: { name?: string; role?: string },
  env: Record<string, string | undefined> = process.env,
  out: (line: string) => void = (l) => process.stdout.write(`${l}\n`)
): Promise<void> {
  const t = target(env)
  if (action === 'create') {
    if (!o.name || !o.role) throw new TokensCommandError('tokens create needs --name and --role')
    const r = (await call(t, 'POST', '/v1/tokens', { name: o.name, role: o.role })) as {
      token: string
      name: string
      role: string
    }
    out(`created token "${r.name}" (${r.role}). It is shown only this once; store it as a secret:`)
    out(r.token)
  } else if (action === 'revoke') {
    if (!o.name) throw new TokensCommandError('tokens revoke needs --name')
    await call(t, 'DELETE', `/v1/tokens/${encodeURIComponent(o.name)}`)
    out(`revoked token "${o.name}"`)
  } else if (action === 'list') {
    const r = (await call(t, 'GET', '/v1/tokens')) as {
      tokens: {
        name: string
        role: string
        createdAt: string
        lastUsedAt: string | null
        revokedAt: string | null
      }[]
    }
    for (const k of r.tokens) {
      out(
        `${k.name}\t${k.role}\tcreated ${k.createdAt}\tlast used ${k.lastUsedAt ?? 'never'}${k.revokedAt ? `\trevoked ${k.revokedAt}` : ''}`
      )
    }
  } else {
    throw new TokensCommandError(`unknown action "${action}": use create, list or revoke`)
  }
}
