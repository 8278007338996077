import type { Role } from './db/schema.ts'

/** Who is calling: a token's name and role (the bootstrap admin token is "bootstrap-admin"). */
export interface Actor {
  name: string
  role: Role
}

export interface AppEnv {
  Variables: {
    requestId: string
    actor: Actor | null
  }
}
