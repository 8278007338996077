import { describe, expect, it } from 'vitest'
import { errorBody } from './error-body.ts'

describe('errorBody', () => {
  it('wraps a problem with its request id, with details only when it has some', () => {
    expect(errorBody({ code: 'not_found', message: 'no such model' }, 'r1')).toEqual({
      error: { code: 'not_found', message: 'no such model', requestId: 'r1' },
    })
    const withDetails = errorBody(
      { code: 'invalid_request', message: 'asOf: not a date', details: { field: 'asOf' } },
      'r2'
    )
    expect(withDetails.error).toEqual({
      code: 'invalid_request',
      message: 'asOf: not a date',
      details: { field: 'asOf' },
      requestId: 'r2',
    })
    // An ApiError (an Error subclass) passes its own fields, never its stack or cause.
    const e = Object.assign(new Error('boom', { cause: 'secret' }), { code: 'internal' })
    expect(Object.keys(errorBody(e, 'r3').error)).toEqual(['code', 'message', 'requestId'])
  })
})
