/** A problem with the input or the mapping that stops the run; the message names file, line, column or key. */
export class IngestError extends Error {
  override name = 'IngestError'
}
