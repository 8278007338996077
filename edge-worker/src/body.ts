import { readCapped } from '@fcv/core'
import { ApiError } from './errors.ts'

/** application/json or application/<anything>+json, with or without parameters (charset…). */
const JSON_TYPE = /^application\/(?:[\w.+!#$%&'*^`|~-]+\+)?json[ \t]*(?:;|$)/i

/**
 * A 415 unless the request says its body is JSON: `curl -d` without -H sends a form type, and a
 * browser's no-preflight text/plain is not an API call. Checked before the body is read.
 */
export function requireJson(req: Request): void {
  const type = req.headers.get('content-type') ?? '' // trimmed by Headers
  if (JSON_TYPE.test(type)) return
  const said = type ? `content-type ${JSON.stringify(type.slice(0, 100))}` : 'no content-type'
  throw new ApiError(
    415,
    'unsupported_media_type',
    `${said}; the body must be JSON: send content-type: application/json`
  )
}

/** text/plain, with or without parameters: what navigator.sendBeacon sends a string as. */
const TEXT_TYPE = /^text\/plain[ \t]*(?:;|$)/i

/**
 * A 415 unless the body is JSON or text/plain: a page's navigator.sendBeacon(url, string) sends
 * text/plain, which needs no CORS preflight; the text must still be JSON.
 */
export function requireJsonOrText(req: Request): void {
  const type = req.headers.get('content-type') ?? ''
  if (JSON_TYPE.test(type) || TEXT_TYPE.test(type)) return
  const said = type ? `content-type ${JSON.stringify(type.slice(0, 100))}` : 'no content-type'
  throw new ApiError(
    415,
    'unsupported_media_type',
    `${said}; send the JSON body as content-type: text/plain or application/json`
  )
}

function tooLarge(limit: number): ApiError {
  return new ApiError(413, 'payload_too_large', `the body is larger than ${limit} bytes`, {
    details: { limit },
  })
}

/**
 * Reads the request body, refusing more than `limit` bytes: first by content-length (nothing is
 * read), then by what arrives (without a content-length it is streamed and stops at the limit,
 * not after).
 */
export async function readBody(req: Request, limit: number): Promise<Uint8Array> {
  const declared = req.headers.get('content-length')
  if (declared !== null) {
    if (!/^\d+$/.test(declared.trim())) {
      throw new ApiError(400, 'bad_request', 'content-length is not a number')
    }
    if (Number(declared) > limit) {
      await req.body?.cancel().catch(() => {})
      throw tooLarge(limit)
    }
  }
  if (!req.body) return new Uint8Array(0)
  if (declared !== null) {
    // Declared and within the limit: one read. The runtime holds the body to its content-length
    // (a shorter body is an error, a longer one is cut), so the size is checked all the same.
    const bytes = new Uint8Array(await req.arrayBuffer())
    if (bytes.byteLength > limit) throw tooLarge(limit)
    return bytes
  }
  return readCapped(req.body, limit, () => tooLarge(limit))
}

/** Decodes whole bodies only (no stream: true), so one instance serves every request. */
const utf8 = new TextDecoder('utf-8', { fatal: true })

/** UTF-8 JSON, or a 400 that says so (the parser's message names the position, never the content). */
export function parseJson(bytes: Uint8Array): unknown {
  if (bytes.length === 0) throw new ApiError(400, 'malformed', 'the body is empty; expected JSON')
  try {
    return JSON.parse(utf8.decode(bytes))
  } catch (e) {
    throw new ApiError(400, 'malformed', `the body is not UTF-8 JSON (${(e as Error).name})`)
  }
}
