import { describe, expect, it } from 'vitest'
import { connectionFromEnv } from './config.ts'

describe('connectionFromEnv', () => {
  it('is null without MLFLOW_TRACKING_URI, so the embedded server is used', () => {
    expect(connectionFromEnv({})).toBeNull()
    expect(connectionFromEnv({ MLFLOW_TRACKING_URI: '  ' })).toBeNull()
  })

  it('uses basic auth when user and password are set, before a token (as MLflow does)', () => {
    const c = connectionFromEnv({
      MLFLOW_TRACKING_URI: 'https://mlflow.example.com/base/',
      MLFLOW_TRACKING_USERNAME: 'ann',
      MLFLOW_TRACKING_PASSWORD: 'pw:with:colons',
      MLFLOW_TRACKING_TOKEN: 'tok',
    })
    expect(c?.trackingUri).toBe('https://mlflow.example.com/base')
    expect(c?.authorization).toBe(`Basic ${btoa('ann:pw:with:colons')}`)
    expect(
      connectionFromEnv({ MLFLOW_TRACKING_URI: 'http://h:5000', MLFLOW_TRACKING_TOKEN: 'tok' })
        ?.authorization
    ).toBe('Bearer tok')
    expect(
      connectionFromEnv({ MLFLOW_TRACKING_URI: 'http://h:5000' })?.authorization
    ).toBeUndefined()
  })

  it('reads the retry and timeout variables', () => {
    const c = connectionFromEnv({
      MLFLOW_TRACKING_URI: 'http://h:5000',
      MLFLOW_HTTP_REQUEST_MAX_RETRIES: '2',
      MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR: '0.01',
      MLFLOW_HTTP_REQUEST_TIMEOUT: '3',
    })
    expect(c).toMatchObject({ maxRetries: 2, backoffMs: 10, timeoutMs: 3000 })
  })

  it('says what is wrong with a bad configuration', () => {
    const bad = (env: Record<string, string>) => () => connectionFromEnv(env)
    expect(bad({ MLFLOW_TRACKING_URI: 'file:///tmp/mlruns' })).toThrow(/over HTTP\(S\)/)
    expect(bad({ MLFLOW_TRACKING_URI: 'databricks' })).toThrow(/is not a URL/)
    expect(bad({ MLFLOW_TRACKING_URI: 'http://u:p@h:5000' })).toThrow(/must not carry credentials/)
    expect(bad({ MLFLOW_TRACKING_URI: 'http://h', MLFLOW_TRACKING_USERNAME: 'ann' })).toThrow(
      /both MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD/
    )
    expect(
      bad({ MLFLOW_TRACKING_URI: 'http://h', MLFLOW_HTTP_REQUEST_MAX_RETRIES: 'many' })
    ).toThrow(/MLFLOW_HTTP_REQUEST_MAX_RETRIES="many" is not a number/)
  })
})
