/** A problem with what `fcv score` was asked to do or given: its message is the whole story. */
export class ScoreError extends Error {
  override name = 'ScoreError'
}
