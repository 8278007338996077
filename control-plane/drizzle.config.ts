// drizzle-kit: `npx drizzle-kit generate --name <what>` writes the next migration into drizzle/ from
// src/db/schema.ts; `npx drizzle-kit check` verifies the folder. The service applies the same folder
// to PostgreSQL and PGlite itself (src/db/open.ts), so a URL is only needed for kit's own
// migrate/studio commands: DATABASE_URL.
import { defineConfig } from 'drizzle-kit'

const url = process.env['DATABASE_URL']

export default defineConfig({
  dialect: 'postgresql',
  schema: './src/db/schema.ts',
  out: './drizzle',
  strict: true,
  ...(url ? { dbCredentials: { url } } : {}),
})
