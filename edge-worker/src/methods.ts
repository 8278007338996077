// 405 for a route's path asked with a method it does not answer, with Allow naming those it does;
// 404 for a path no route has. The methods come from the routes the app registered (app.routes),
// so a new route needs nothing but its app.get/post/put/delete: there is no second list to forget.

import type { Context, Hono, NotFoundHandler } from 'hono'
import { METHOD_NAME_ALL } from 'hono/router'
import { TrieRouter } from 'hono/router/trie-router'
import type { AppEnv } from './app-env.ts'
import { ApiError, errorResponse } from './errors.ts'

const ORDER = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']
/** Allow lists methods in ORDER, any others after them. */
function rank(method: string): number {
  const i = ORDER.indexOf(method)
  return i < 0 ? ORDER.length : i
}

interface Answers {
  method: string
  /** false: OPTIONS from CORS, which answers it on any path under its prefix, routes or not. */
  route: boolean
}

/**
 * Every path template with the methods answered there. hono answers HEAD with the GET route (and
 * no body), so HEAD goes with GET. Middleware (app.use, method ALL) answers nothing on its own,
 * except CORS's preflight under `preflightPaths`.
 */
function methodTable(app: Hono<AppEnv>, preflightPaths: string): TrieRouter<Answers> {
  const table = new TrieRouter<Answers>()
  for (const { method, path } of app.routes) {
    if (method === METHOD_NAME_ALL) continue
    table.add(METHOD_NAME_ALL, path, { method, route: true })
    if (method === 'GET') table.add(METHOD_NAME_ALL, path, { method: 'HEAD', route: true })
  }
  table.add(METHOD_NAME_ALL, preflightPaths, { method: 'OPTIONS', route: false })
  return table
}

/**
 * The app's notFound handler. The routes are read at the first miss, when createApp has
 * registered them all, whatever the order of the calls in it.
 */
export function wrongMethodOrNotFound(
  app: Hono<AppEnv>,
  preflightPaths: string
): NotFoundHandler<AppEnv> {
  let table: TrieRouter<Answers> | undefined
  return (c: Context<AppEnv>) => {
    table ??= methodTable(app, preflightPaths)
    const answers = table.match(METHOD_NAME_ALL, c.req.path)[0].map(([a]) => a)
    const { method, path } = c.req
    if (!answers.some((a) => a.route)) {
      return errorResponse(c, new ApiError(404, 'not_found', `no route for ${method} ${path}`))
    }
    const allowed = [...new Set(answers.map((a) => a.method))].sort((a, b) => rank(a) - rank(b))
    const allow = allowed.join(', ')
    const message = `${method} is not allowed on ${path}; allowed: ${allow}`
    return errorResponse(
      c,
      new ApiError(405, 'method_not_allowed', message, {
        details: { allow: allowed },
        headers: { allow },
      })
    )
  }
}
