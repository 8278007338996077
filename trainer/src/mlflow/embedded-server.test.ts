import { mkdtempSync } from 'node:fs'
import { createServer } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, inject, it } from 'vitest'
import { installHint, startEmbeddedServer } from './embedded-server.ts'
import { freePort } from './test-server.ts'

const dir = () => mkdtempSync(join(tmpdir(), 'fcv-embedded-'))

describe('startEmbeddedServer', () => {
  it('reuses an MLflow server already answering on the port', async () => {
    const port = Number(new URL(inject('mlflowUri')).port)
    const s = await startEmbeddedServer({ dir: dir(), port, bin: '/nonexistent/mlflow' })
    expect(s).toMatchObject({ url: `http://127.0.0.1:${port}`, reused: true, process: null })
  })

  it('refuses a port taken by something else, naming the setting to change', async () => {
    const other = createServer((_, res) => res.writeHead(404).end('not mlflow'))
    await new Promise<void>((ok) => other.listen(0, '127.0.0.1', ok))
    const { port } = other.address() as { port: number }
    try {
      await expect(startEmbeddedServer({ dir: dir(), port })).rejects.toThrow(
        `port ${port} on 127.0.0.1 is taken by something that is not an MLflow server; choose another with --set register.embedded.port=N`
      )
    } finally {
      other.close()
    }
  })

  it('reports a server that cannot start with the end of its log', async () => {
    await expect(
      startEmbeddedServer({ dir: dir(), port: await freePort(), bin: '/nonexistent/mlflow' })
    ).rejects.toThrow(
      /mlflow server did not start on http:\/\/127\.0\.0\.1:\d+ \(spawn \/nonexistent\/mlflow ENOENT\)/
    )
  })

  it('says how to get MLflow, or how to do without it', () => {
    const hint = installHint()
    expect(hint).toMatch(/^MLflow is not installed here: /)
    expect(hint).toContain('scripts/setup.sh')
    expect(hint).toContain('MLFLOW_TRACKING_URI')
    expect(hint).toContain('--no-mlflow')
  })
})
