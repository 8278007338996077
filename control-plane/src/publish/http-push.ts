import { CHANNELS, SERVING_ROLES } from '@fcv/core'
import { z } from 'zod'
import {
  PublishError,
  type CallOptions,
  type PublishedBundle,
  type Publisher,
  type TargetSlot,
  type Withdrawal,
} from './publisher.ts'
import { withRetries } from './retry.ts'

const SlotsSchema = z.object({
  slots: z.array(
    z.object({
      channel: z.enum(CHANNELS),
      role: z.enum(SERVING_ROLES),
      model: z.string(),
      version: z.string(),
      digest: z.string(),
      canaryShare: z.number().optional(),
      stored: z.boolean(),
    })
  ),
})

/** The URL as it may be shown: user and password (if any) removed. */
export function displayUrl(url: string): string {
  try {
    const u = new URL(url)
    u.username = ''
    u.password = ''
    return u.toString().replace(/\/+$/, '')
  } catch {
    return url.replace(/\/+$/, '')
  }
}

/**
 * An edge worker as a push target: PUT {base}/_admin/bundle with the signed document as the body
 * and a publisher token, DELETE to withdraw a canary or shadow, GET {base}/_admin/bundles for what
 * its store holds. The worker verifies the signature and every digest itself before it switches.
 * An outage (no answer, 408, 429, 5xx) is retried, a refusal (other 4xx) is not; then either is
 * reported as a PublishError that says which it was.
 */
export class HttpPushPublisher implements Publisher {
  readonly target: string
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
    this.target = displayUrl(base)
    this.token = token
    this.attempts = o.attempts ?? 4
    this.baseMs = o.baseMs ?? 250
    this.timeoutMs = o.timeoutMs ?? 15_000
  }

  async publish(b: PublishedBundle, o: CallOptions = {}): Promise<void> {
    await this.send(
      'PUT',
      '/_admin/bundle',
      {
        'content-type': 'application/json',
        'x-fcv-model': b.model,
        'x-fcv-version': b.version,
        'x-fcv-channel': b.channel,
        'x-fcv-role': b.role,
        'x-fcv-digest': b.digest,
        ...(b.canaryShare === undefined ? {} : { 'x-fcv-canary-share': String(b.canaryShare) }),
      },
      o,
      b.bytes
    )
  }

  /** DELETE {base}/_admin/bundle for a channel's canary or shadow: the worker stops serving it. */
  async withdraw(w: Withdrawal, o: CallOptions = {}): Promise<void> {
    await this.send(
      'DELETE',
      '/_admin/bundle',
      { 'x-fcv-model': w.model, 'x-fcv-channel': w.channel, 'x-fcv-role': w.role },
      o
    )
  }

  async slots(o: CallOptions = {}): Promise<TargetSlot[]> {
    const text = await this.send('GET', '/_admin/bundles', {}, o)
    let parsed
    try {
      parsed = SlotsSchema.safeParse(JSON.parse(text))
    } catch {
      parsed = null
    }
    if (!parsed?.success) {
      throw new PublishError(`${this.target}: GET /_admin/bundles did not answer with slots`, {
        refused: true,
      })
    }
    return parsed.data.slots
  }

  private async send(
    method: string,
    path: string,
    headers: Record<string, string>,
    o: CallOptions,
    body?: Uint8Array
  ): Promise<string> {
    return await withRetries(
      async () => {
        let res: Response
        try {
          res = await fetch(`${this.base}${path}`, {
            method,
            headers: {
              ...headers,
              ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
            },
            ...(body ? { body: body as Uint8Array<ArrayBuffer> } : {}),
            signal: AbortSignal.timeout(this.timeoutMs),
          })
        } catch (e) {
          throw new PublishError(`${this.target}: no answer (${(e as Error).message})`, {
            refused: false,
          })
        }
        const text = await res.text().catch(() => '')
        if (!res.ok) {
          // The worker refused the bundle or the token: sending it again cannot change that.
          // Timeouts, rate limits and 5xx may pass.
          const refused = res.status >= 400 && res.status < 500 && ![408, 429].includes(res.status)
          throw new PublishError(`${this.target}: HTTP ${res.status} ${text.slice(0, 300)}`, {
            refused,
          })
        }
        return text
      },
      { attempts: o.attempts ?? this.attempts, baseMs: this.baseMs }
    )
  }
}
