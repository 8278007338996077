/** A .wasm import: wrangler (and the vitest pool) compile the file to a WebAssembly.Module. */
declare module '*.wasm' {
  const module: WebAssembly.Module
  export default module
}
