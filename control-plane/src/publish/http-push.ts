import { PublishError, type PublishedBundle, type Publisher, type Withdrawal } from './publisher.ts'
import { PermanentError, withRetries } from './retry.ts'

/**
 * Pushes bundles to an edge worker: PUT {base}/_admin/bundle with the signed document as the body
 * and a publisher token. The worker verifies the signature and every digest itself before it
 * switches; an outage (no answer, 408, 429, 5xx) is retried, a refusal (other 4xx) is not; then
 * either is reported.
 */
export class HttpPushPublisher implements Publisher {
  readonly name: string
  private readonly base: string
  private readonly token: string | undefined
  private readonly attempts: number
  private readonly baseMs: number
  private readonly timeoutMs: number

  constructor(
    base: string,
    token: string | undefined,
    o: { attempts?: number; baseMs?: number; timeoutMs?: number } = {}
  ) {
    this.base = base.replace(/\/+$/, '')
    this.name = `push ${this.base}`
    this.token = token
    this.attempts = o.attempts ?? 4
    this.baseMs = o.baseMs ?? 250
    this.timeoutMs = o.timeoutMs ?? 15_000
  }

  /** DELETE {base}/_admin/bundle for a channel's canary or shadow: the worker stops serving it. */
  async withdraw(w: Withdrawal): Promise<void> {
    await this.send(`${this.base}/_admin/bundle`, {
      method: 'DELETE',
      headers: {
        ...this.auth(),
        'x-fcv-model': w.model,
        'x-fcv-channel': w.channel,
        'x-fcv-role': w.role,
      },
    })
  }

  private auth(): Record<string, string> {
    return this.token ? { authorization: `Bearer ${this.token}` } : {}
  }

  private async send(url: string, init: RequestInit): Promise<void> {
    await withRetries(
      async () => {
        let res: Response
        try {
          res = await fetch(url, { ...init, signal: AbortSignal.timeout(this.timeoutMs) })
        } catch (e) {
          throw new PublishError(`${this.name}: no answer (${(e as Error).message})`)
        }
        if (!res.ok) {
          const text = (await res.text().catch(() => '')).slice(0, 300)
          // The worker refused the bundle or the token: sending it again cannot change that.
          // Timeouts, rate limits and 5xx may pass.
          const permanent =
            res.status >= 400 && res.status < 500 && ![408, 429].includes(res.status)
          throw new PublishError(`${this.name}: HTTP ${res.status} ${text}`, {
            ...(permanent ? { cause: new PermanentError(`HTTP ${res.status}`) } : {}),
          })
        }
        await res.body?.cancel()
      },
      { attempts: this.attempts, baseMs: this.baseMs }
    )
  }

  async publish(b: PublishedBundle): Promise<void> {
    await this.send(`${this.base}/_admin/bundle`, {
      method: 'PUT',
      headers: {
        'content-type': 'application/json',
        ...this.auth(),
        'x-fcv-model': b.model,
        'x-fcv-version': b.version,
        'x-fcv-channel': b.channel,
        'x-fcv-role': b.role,
        'x-fcv-digest': b.digest,
        ...(b.canaryShare === undefined ? {} : { 'x-fcv-canary-share': String(b.canaryShare) }),
      },
      body: b.bytes as Uint8Array<ArrayBuffer>,
    })
  }
}
