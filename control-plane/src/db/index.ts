// The control plane's storage: open a database, then call the repository functions with its `db`.

export * from './open.ts'
export * from './types.ts'
export * from './errors.ts'
export * from './transaction.ts'
export * from './models.ts'
export * from './bundles.ts'
export * from './deployments.ts'
export * from './tokens.ts'
export * from './audit.ts'
export * from './promotions.ts'
export * as schema from './schema.ts'
