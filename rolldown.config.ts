import { defineConfig } from 'rolldown'

// The fcv CLI as one file: loading ~400 small ESM files (apache-arrow alone has hundreds) costs
// 0.3 s per command, the bundle 0.02 s. Node resolution rules: apache-arrow's `browser` field would
// otherwise swap in its DOM build, and its `sideEffects: false` would drop the module that installs
// its Node stream adapters.
export default defineConfig({
  input: 'trainer/src/cli.ts',
  platform: 'node',
  resolve: { aliasFields: [], conditionNames: ['node', 'import', 'default'] },
  treeshake: { moduleSideEffects: (id) => id.includes('/apache-arrow/') },
  output: { file: 'trainer/dist/fcv.mjs', format: 'esm' },
  logLevel: 'warn',
})
