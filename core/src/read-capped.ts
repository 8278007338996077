// A body read whole, but never past a byte limit: what the edge worker does with request bodies and
// the widget with bundles. Web Streams only, so it runs in Node, workerd and browsers alike.

/**
 * The stream's bytes; as soon as they pass `limit`, the stream is cancelled and `tooLarge()` is
 * thrown, so an oversized body is never held whole.
 */
export async function readCapped(
  body: ReadableStream<Uint8Array>,
  limit: number,
  tooLarge: () => Error
): Promise<Uint8Array<ArrayBuffer>> {
  const reader = body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > limit) {
      await reader.cancel().catch(() => {})
      throw tooLarge()
    }
    chunks.push(value)
  }
  const out = new Uint8Array(size)
  let offset = 0
  for (const chunk of chunks) {
    out.set(chunk, offset)
    offset += chunk.byteLength
  }
  return out
}
