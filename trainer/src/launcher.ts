// Entry of the bundled CLI (trainer/dist/fcv.mjs): turns on Node's compile cache, then loads the CLI.
// The CLI is ~1 MB of JavaScript; with the cache (in the OS temp directory) a command starts ~30 ms
// sooner, and every stage of a pipeline run is a command of its own.

import { enableCompileCache } from 'node:module'

enableCompileCache()
await import('./cli.ts')
