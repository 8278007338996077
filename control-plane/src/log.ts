import { pino, type Logger } from 'pino'

/**
 * Structured JSON logs on stdout (one object per line, for the cluster's log pipeline). Secrets
 * never reach them: authorization headers and token fields are redacted wherever they appear.
 */
export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  return pino(
    {
      level,
      base: { service: 'fcv-control-plane' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: {
        paths: [
          'authorization',
          '*.authorization',
          'headers.authorization',
          'req.headers.authorization',
          'token',
          '*.token',
          'signingKey',
        ],
        censor: '[redacted]',
      },
    },
    destination ?? process.stdout
  )
}

export type { Logger }
