/** A data: URL with the file's bytes in base64 (vite's ?inline): how core's tests read dense-kernel.wasm. */
declare module '*?inline' {
  const dataUrl: string
  export default dataUrl
}
