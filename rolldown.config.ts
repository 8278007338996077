import { defineConfig } from 'rolldown'

// The fcv CLI as a few files: loading ~400 small ESM files (apache-arrow alone has hundreds) costs
// 0.3 s per command, the bundle 0.02 s. Worker threads get entries of their own next to fcv.mjs
// (their code is found relative to the module that starts them), sharing chunks with the CLI.
// Node resolution rules: apache-arrow's `browser` field would otherwise swap in its DOM build, and
// its `sideEffects: false` would drop the module that installs its Node stream adapters.
export default defineConfig({
  input: {
    fcv: 'trainer/src/launcher.ts',
    'ingest-worker': 'trainer/src/ingest/input-worker.ts',
  },
  platform: 'node',
  // TensorFlow.js loads from node_modules: tfjs-node is a native addon found relative to its own
  // package (it cannot be bundled) and optional, and tfjs is one large prebuilt file already.
  external: [/^@tensorflow\//],
  resolve: { aliasFields: [], conditionNames: ['node', 'import', 'default'] },
  // Our own modules only declare things, except the CLI, which the launcher imports to run it (the
  // worker entries are entries); packages keep what their package.json declares.
  treeshake: {
    moduleSideEffects: (id) =>
      id.includes('/apache-arrow/') || id.endsWith('/trainer/src/cli.ts')
        ? true
        : id.includes('/node_modules/')
          ? undefined
          : false,
  },
  output: {
    dir: 'trainer/dist',
    cleanDir: true, // chunk names carry hashes: no stale chunks left beside the new ones
    format: 'esm',
    entryFileNames: '[name].mjs',
    chunkFileNames: '[name]-[hash].mjs',
  },
  logLevel: 'warn',
})
