// Where the widget's models come from: the Worker's GET /v1/bundle (the widget channel's champion;
// ETag, must-revalidate), the immutable /v1/bundle/<digest> for a canary or shadow, and the Cache
// API for bytes already verified here once, so a flaky network or an offline reload scores from
// cache. The champion is fetched with cache: 'no-cache': the browser revalidates its HTTP cache
// with If-None-Match itself (a 304 on the wire), which, unlike a header set by script, needs no
// CORS preflight. Every bundle is verified before use, cached ones too (a few ms).

import {
  BundleVerificationError,
  isRecord,
  readCapped,
  sha256Hex,
  verifySignedBundle,
  type TrustedKeys,
  type VerifiedBundle,
} from '@fcv/core'
import { WidgetError } from './errors.ts'
import { signatureCheck } from './signature.ts'

/** What the channel serves, as GET /v1/bundle's headers say (and the page remembers). */
export interface ChannelState {
  champion: string
  canary: { digest: string; share: number } | null
  shadow: string | null
}

export interface SourcedBundle {
  digest: string
  bundle: VerifiedBundle
  /** The document as served, to cache. */
  bytes: Uint8Array<ArrayBuffer>
}

export interface ChannelBundles {
  state: ChannelState
  champion: SourcedBundle
  /** Why the newest champion is not the one in use (the last good one is), if it is not. */
  problem: WidgetError | null
}

export interface BundleSourceOptions {
  bundleUrl: string
  trustedKeys: TrustedKeys
  maxBytes: number
  fetch?: typeof fetch
}

const CACHE = 'fcv-widget-bundles-v1'
const DIGEST = /^[0-9a-f]{64}$/

export class BundleSource {
  private readonly url: string
  private readonly options: BundleSourceOptions
  private readonly fetch: typeof fetch

  constructor(options: BundleSourceOptions) {
    this.options = options
    this.url = new URL(options.bundleUrl, document.baseURI).href
    this.fetch = options.fetch ?? globalThis.fetch.bind(globalThis)
  }

  /** The channel's champion, newest when it can be had and verified, else the last good one. */
  async channel(): Promise<ChannelBundles> {
    let res: Response
    try {
      res = await this.get(this.url, 'no-cache')
    } catch (cause) {
      const why = new WidgetError('bundle_unreachable', `GET ${this.url}: ${String(cause)}`, {
        cause,
      })
      return this.lastGood(why)
    }
    if (!res.ok) {
      const why = new WidgetError(
        'bundle_unreachable',
        `GET ${this.url}: HTTP ${res.status}${res.status === 503 ? ' (no model published yet)' : ''}`
      )
      return this.lastGood(why)
    }
    try {
      const champion = await this.verified(await this.read(res))
      // The champion is what the bytes are (their digest), whatever the headers say.
      const state: ChannelState = { champion: champion.digest, ...othersOf(res) }
      // Storage is off the path to the first score: the first localStorage access of a page and
      // a Cache API write cost tens of ms.
      setTimeout(() => {
        this.remember(state)
        void this.store(champion.digest, champion.bytes)
      })
      return { state, champion, problem: null }
    } catch (e) {
      if (!(e instanceof WidgetError)) throw e
      return this.lastGood(e)
    }
  }

  /** A canary's or shadow's bundle: from cache, else its immutable URL. */
  async byDigest(digest: string): Promise<SourcedBundle> {
    const cached = await this.cached(digest)
    if (cached) return cached
    const url = this.digestUrl(digest)
    const res = await this.get(url, 'default').catch((cause: unknown) => {
      throw new WidgetError('bundle_unreachable', `GET ${url}: ${String(cause)}`, { cause })
    })
    if (!res.ok) throw new WidgetError('bundle_unreachable', `GET ${url}: HTTP ${res.status}`)
    const sourced = await this.verified(await this.read(res))
    if (sourced.digest !== digest) {
      throw new WidgetError('bundle_refused', `GET ${url}: the bytes have another digest`, {
        reason: 'digest-mismatch',
      })
    }
    void this.store(sourced.digest, sourced.bytes)
    return sourced
  }

  private get(url: string, cache: RequestCache): Promise<Response> {
    // No credentials: a bundle is public, and they would split the cache per user.
    return this.fetch(url, { cache, credentials: 'omit' })
  }

  private async lastGood(problem: WidgetError): Promise<ChannelBundles> {
    const remembered = this.remembered()
    const cached = remembered && (await this.cached(remembered.champion))
    if (!cached) throw problem
    return { state: remembered, champion: cached, problem }
  }

  /** The body, refused past maxBytes before it is all read. */
  private async read(res: Response): Promise<Uint8Array<ArrayBuffer>> {
    const max = this.options.maxBytes
    const tooLarge = (size: string) =>
      new WidgetError('bundle_too_large', `the bundle is ${size} bytes; max-bundle-bytes is ${max}`)
    const declared = Number(res.headers.get('content-length'))
    if (declared > max) {
      void res.body?.cancel()
      throw tooLarge(String(declared))
    }
    return readCapped(res.body!, max, () => tooLarge(`over ${max}`))
  }

  /** `digest`: the bytes' sha256 when the caller has it already (a cache read checks it first). */
  private async verified(bytes: Uint8Array<ArrayBuffer>, digest?: string): Promise<SourcedBundle> {
    let bundle: VerifiedBundle
    try {
      bundle = await verifySignedBundle(bytes, this.options.trustedKeys, signatureCheck)
    } catch (e) {
      if (!(e instanceof BundleVerificationError)) throw e
      throw new WidgetError('bundle_refused', `bundle refused: ${e.message}`, {
        reason: e.code,
        cause: e,
      })
    }
    return { digest: digest ?? (await sha256Hex(bytes)), bundle, bytes }
  }

  private digestUrl(digest: string): string {
    return new URL(`${this.url.replace(/\/+$/, '')}/${digest}`).href
  }

  private async cached(digest: string): Promise<SourcedBundle | null> {
    if (!DIGEST.test(digest) || typeof caches === 'undefined') return null
    try {
      const hit = await (await caches.open(CACHE)).match(this.digestUrl(digest))
      if (!hit) return null
      const bytes = new Uint8Array(await hit.arrayBuffer())
      if ((await sha256Hex(bytes)) !== digest) return null
      return await this.verified(bytes, digest)
    } catch {
      return null // a cache that fails is a cache miss
    }
  }

  private async store(digest: string, bytes: Uint8Array<ArrayBuffer>): Promise<void> {
    if (typeof caches === 'undefined') return
    try {
      const cache = await caches.open(CACHE)
      if (!(await cache.match(this.digestUrl(digest)))) {
        await cache.put(this.digestUrl(digest), new Response(bytes))
      }
    } catch {
      // Quota or a private mode without storage: scoring goes on, uncached.
    }
  }

  private remembered(): ChannelState | null {
    try {
      const state = JSON.parse(localStorage.getItem(`fcv-widget:${this.url}`) ?? 'null') as unknown
      return isState(state) ? state : null
    } catch {
      return null
    }
  }

  private remember(state: ChannelState): void {
    try {
      localStorage.setItem(`fcv-widget:${this.url}`, JSON.stringify(state))
    } catch {
      // Storage disabled: every load fetches the bundle.
    }
  }
}

/** The canary and shadow the headers of GET /v1/bundle's 200 name. */
function othersOf(res: Response): Omit<ChannelState, 'champion'> {
  const canary = res.headers.get('x-fcv-canary-digest')
  const share = Number(res.headers.get('x-fcv-canary-share'))
  const shadow = res.headers.get('x-fcv-shadow-digest')
  return {
    canary:
      canary && DIGEST.test(canary) && share > 0 && share < 1 ? { digest: canary, share } : null,
    shadow: shadow && DIGEST.test(shadow) ? shadow : null,
  }
}

function isState(value: unknown): value is ChannelState {
  return isRecord(value) && typeof value['champion'] === 'string' && DIGEST.test(value['champion'])
}
