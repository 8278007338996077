// One check for "a JSON object" (not null, not an array), shared by the readers of untrusted JSON
// (bundle verification, model.json, its topology) so the widget's script carries it once.

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
