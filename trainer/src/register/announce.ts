// After a registration: tell the control plane there is a candidate (it mirrors the model's
// versions from MLflow), when FCV_CONTROL_PLANE_URL and a publisher token are set. Registration has
// already succeeded by then, so a failure here is a warning with the reason, not a failed stage.

export interface Announcement {
  url: string
  ok: boolean
  detail: string
}

export async function announceCandidate(
  model: string,
  env: Record<string, string | undefined>,
  log: (line: string) => void
): Promise<Announcement | null> {
  const base = env['FCV_CONTROL_PLANE_URL']?.replace(/\/+$/, '')
  if (!base) return null
  const token = env['FCV_CONTROL_PLANE_TOKEN']
  const url = `${base}/v1/models/${encodeURIComponent(model)}/sync`
  if (!token) {
    log(
      'register: warning: FCV_CONTROL_PLANE_URL is set but FCV_CONTROL_PLANE_TOKEN (a publisher token) is not; not announced'
    )
    return { url, ok: false, detail: 'no FCV_CONTROL_PLANE_TOKEN' }
  }
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(30_000),
    })
    const text = await res.text()
    if (!res.ok) {
      const detail = `HTTP ${res.status} ${text.slice(0, 200)}`
      log(`register: warning: the control plane did not take the announcement: ${detail}`)
      return { url, ok: false, detail }
    }
    log(`register: announced to the control plane at ${base}`)
    return { url, ok: true, detail: 'synced' }
  } catch (e) {
    const detail = (e as Error).message
    log(`register: warning: cannot reach the control plane at ${base}: ${detail}`)
    return { url, ok: false, detail }
  }
}
